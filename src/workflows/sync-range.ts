import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  TimeoutFailure,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { PAGE_ATTEMPTS, rangeWaitMs } from '../backoff';
import { DatabaseError, isNonRetryable, UpstreamUnavailableError } from '../errors';
import { addCounts, ZERO_COUNTS, type PageCounts, type RangeInput, type RangeResult } from '../sync-types';
import { isRunPaused, rootCause } from './failures';
import { pageSyncedSignal, pauseSignal, rangeBackingOffSignal, rangeTuningSignal, resumeSignal } from './messages';
import { PAGES_ACTIVITY, PAGES_BUDGET_MS } from './policies';
import type { BackingOffReport } from './progress';

const { syncPages } = proxyActivities<Activities>(PAGES_ACTIVITY);

/** A range reports its pages to the parent at most this often, so the parent's history grows with time, not pages. */
export const REPORT_EVERY_MS = 30_000;
/** Patch: reports are throttled to REPORT_EVERY_MS (earlier ranges reported after every activity). */
export const THROTTLE_REPORTS_PATCH = 'throttle-range-reports';

/**
 * Syncs one id range with keyset paging (`after_id`, `max_id`), so cars delisted during the run cannot
 * shift later pages. Each `syncPages` activity takes a few seconds of pages; their counts go to the
 * parent at most every REPORT_EVERY_MS. A pause or a new request rate interrupts the running activity,
 * which returns after its current page. When a page keeps failing with transient trouble, the range
 * waits (src/backoff.ts) and says so to the parent, until `giveUpAfterSeconds` of waiting have passed.
 */
export async function SyncRangeWorkflow(input: RangeInput, carried: PageCounts = ZERO_COUNTS): Promise<RangeResult> {
  const control = new RangeControl(input);
  setHandler(pauseSignal, () => control.pause());
  setHandler(resumeSignal, () => void (control.paused = false));
  setHandler(rangeTuningSignal, ({ requestsPerSecond }) => control.retune(requestsPerSecond));
  const parent = new ParentReports(input.index);
  const backoff = new RangeBackoff();
  let totals = carried;
  let lastPageAtMs = 0;
  let afterId = input.range.afterId;
  for (;;) {
    await condition(() => !control.paused);
    const pausesBefore = control.pauses;
    let page;
    try {
      page = await control.interruptible(() => syncPages(pagesArgs(input, afterId, totals, control.tuning)));
    } catch (err) {
      // Interrupted before the activity got a page done: go round (paused, or with the new tuning).
      if (isCancellation(err) && !CancellationScope.current().consideredCancelled) continue;
      // The run recorded a pause whose signal is still on its way here: wait for it rather than ask again.
      if (isRunPaused(err)) {
        await condition(() => control.pauses > pausesBefore);
        continue;
      }
      if (!isTransient(err)) throw err;
      const waitMs = backoff.next(err, control.tuning.giveUpAfterSeconds);
      totals = addCounts(totals, { ...ZERO_COUNTS, retries: PAGE_ATTEMPTS });
      parent.backingOff({ range: input.index, reason: rootMessage(err), retries: PAGE_ATTEMPTS, waitSeconds: Math.round(waitMs / 1000) });
      await sleep(waitMs);
      continue;
    }
    backoff.reset();
    const { nextAfterId, done, finishedAtMs, ...counts } = page;
    totals = addCounts(totals, counts);
    lastPageAtMs = finishedAtMs;
    // The last pages' counts reach the parent with the range's result.
    if (done) break;
    parent.pagesSynced(counts, finishedAtMs);
    afterId = nextAfterId;
    if (workflowInfo().continueAsNewSuggested) {
      await parent.sent();
      await continueAsNew<typeof SyncRangeWorkflow>(
        { ...input, tuning: control.tuning, paused: control.paused, range: { afterId, maxId: input.range.maxId } },
        totals,
      );
    }
  }
  await parent.sent();
  return { ...totals, finishedAtMs: lastPageAtMs };
}

/** The range's pause and tuning, as the parent signals them, and the scope of the running activity. */
class RangeControl {
  paused: boolean;
  readonly tuning: RangeInput['tuning'];
  /** Pause signals received: an activity that found the run paused is followed by one. */
  pauses = 0;
  // Cancelling it makes the running activity stop after its current page.
  private running: CancellationScope | undefined;

  constructor(input: RangeInput) {
    this.paused = input.paused;
    this.tuning = { ...input.tuning };
  }

  pause(): void {
    this.paused = true;
    this.pauses++;
    this.running?.cancel();
  }

  retune(requestsPerSecond: number): void {
    this.tuning.requestsPerSecond = requestsPerSecond;
    this.running?.cancel();
  }

  interruptible<T>(fn: () => Promise<T>): Promise<T> {
    this.running = new CancellationScope();
    return this.running.run(fn);
  }
}

/** The arguments of the next syncPages activity. */
function pagesArgs(input: RangeInput, afterId: number, totals: PageCounts, tuning: RangeInput['tuning']) {
  const { runId, filter, trackRemovals, revisits } = input;
  // The run's first wave of ranges reports soon, so progress shows at once (a budgeted run pages slowly anyway).
  const firstWave = totals.pages === 0 && input.index <= tuning.concurrency && tuning.requestsPerSecond === 0;
  const budgetMs = firstWave ? PAGES_BUDGET_MS.first : PAGES_BUDGET_MS.then;
  return { runId, budgetMs, range: { afterId, maxId: input.range.maxId }, filter, tuning: { ...tuning }, trackRemovals, revisits };
}

/** Signals to the parent run, sent without waiting; awaited before the range returns or continues as new. */
class ParentReports {
  private readonly parent = parentHandle();
  private readonly signals: Promise<void>[] = [];
  private unreported: PageCounts = ZERO_COUNTS;
  private lastReportMs: number | undefined;

  constructor(private readonly range: number) {}

  pagesSynced(counts: PageCounts, finishedAtMs: number): void {
    this.unreported = addCounts(this.unreported, counts);
    if (!this.parent) return;
    const due = this.lastReportMs === undefined || Date.now() - this.lastReportMs >= REPORT_EVERY_MS;
    if (!due && patched(THROTTLE_REPORTS_PATCH)) return;
    this.lastReportMs = Date.now();
    this.send(this.parent.signal(pageSyncedSignal, { ...this.unreported, range: this.range, finishedAtMs }));
    this.unreported = ZERO_COUNTS;
  }

  backingOff(report: BackingOffReport): void {
    if (this.parent) this.send(this.parent.signal(rangeBackingOffSignal, report));
  }

  async sent(): Promise<void> {
    await Promise.all(this.signals);
  }

  private send(signalled: Promise<void>): void {
    // The no-op catch keeps a cancelled range from leaving them unhandled.
    signalled.catch(() => undefined);
    this.signals.push(signalled);
  }
}

function parentHandle() {
  const parent = workflowInfo().parent;
  return parent && getExternalWorkflowHandle(parent.workflowId, parent.runId);
}

/** A range's waits after failed pages: doubling and jittered, until `giveUpAfterSeconds` of them have passed. */
class RangeBackoff {
  private waits = 0;
  private waitedMs = 0;

  /** The next wait, or the failure that ends the range when it would pass `giveUpAfterSeconds`. */
  next(err: unknown, giveUpAfterSeconds: number): number {
    const waitMs = rangeWaitMs(this.waits, jitter());
    if (this.waitedMs + waitMs > giveUpAfterSeconds * 1000) {
      const database = isDatabaseFailure(err);
      const message = `${database ? 'database' : 'upstream'} still failing after ${Math.round(this.waitedMs / 1000)} s of backing off (giveUpAfterSeconds=${giveUpAfterSeconds}): ${rootMessage(err)}`;
      throw database ? new DatabaseError(message, { nonRetryable: true }) : new UpstreamUnavailableError(message, { nonRetryable: true });
    }
    this.waits++;
    this.waitedMs += waitMs;
    return waitMs;
  }

  /** A page got done: the next trouble starts from the first wait, still counting the waits so far. */
  reset(): void {
    this.waits = 0;
  }
}

/** Retryable trouble that outlasted the page's quick retries: worth waiting out. */
function isTransient(err: unknown): boolean {
  if (!(err instanceof ActivityFailure)) return false;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) return !isNonRetryable(cause);
  return cause instanceof TimeoutFailure;
}

function isDatabaseFailure(err: unknown): boolean {
  const root = rootCause(err);
  return root instanceof ApplicationFailure && root.type === DatabaseError.name;
}

function rootMessage(err: unknown): string {
  const root = rootCause(err);
  return root instanceof Error ? root.message : String(root);
}

/**
 * A deterministic random number in [0, 1), drawn from the SDK's seeded uuid4 as it always was: drawing
 * otherwise would change the waits, and so the give-up decisions, of ranges replayed from history.
 */
function jitter(): number {
  return parseInt(uuid4().slice(0, 8), 16) / 2 ** 32;
}
