import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
  TimeoutFailure,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { isNonRetryable } from '../errors';
import { addCounts, ZERO_COUNTS, type PageCounts, type RangeInput, type RangeResult } from '../sync-types';
import { pageSyncedSignal, pauseSignal, rangeBackingOffSignal, rangeTuningSignal, resumeSignal } from './messages';
import { isRunPaused, rootCause } from './failures';
import { PAGE_ATTEMPTS, PAGES_ACTIVITY, PAGES_BUDGET_MS, RANGE_BACKOFF } from './policies';

const { syncPages } = proxyActivities<Activities>(PAGES_ACTIVITY);

/**
 * Syncs one id range with keyset paging (`after_id`, `max_id`), so cars delisted during the run cannot
 * shift later pages. Each `syncPages` activity takes a few seconds of pages; their counts go to the
 * parent as they land. A pause or a new request rate interrupts the running activity, which returns
 * after its current page. When a page keeps failing with transient trouble, the range waits
 * (doubling, jittered) and says so to the parent, until `giveUpAfterSeconds` of waiting have passed.
 */
export async function SyncRangeWorkflow(input: RangeInput, carried: PageCounts = ZERO_COUNTS): Promise<RangeResult> {
  let paused = input.paused;
  const tuning = { ...input.tuning };
  // The scope of the running activity: cancelling it makes the activity stop after its current page.
  let running: CancellationScope | undefined;
  // Pause signals received: an activity that found the run paused is followed by one.
  let pauses = 0;
  setHandler(pauseSignal, () => {
    paused = true;
    pauses++;
    running?.cancel();
  });
  setHandler(resumeSignal, () => void (paused = false));
  setHandler(rangeTuningSignal, ({ requestsPerSecond }) => {
    tuning.requestsPerSecond = requestsPerSecond;
    running?.cancel();
  });
  const parentInfo = workflowInfo().parent;
  const parent = parentInfo && getExternalWorkflowHandle(parentInfo.workflowId, parentInfo.runId);
  const reports: Promise<void>[] = [];
  const report = (signalled: Promise<void>) => {
    // Awaited before the range returns; the no-op catch keeps a cancelled range from leaving them unhandled.
    signalled.catch(() => undefined);
    reports.push(signalled);
  };

  let totals = carried;
  let lastPageAtMs = 0;
  let afterId = input.range.afterId;
  let waitedMs = 0;
  let waits = 0;
  for (;;) {
    await condition(() => !paused);
    const pausesBefore = pauses;
    let page;
    try {
      const { runId, filter, trackRemovals, revisits } = input;
      // The run's first wave of ranges reports soon, so progress shows at once (a budgeted run pages slowly anyway).
      const firstWave = totals.pages === 0 && input.index <= tuning.concurrency && tuning.requestsPerSecond === 0;
      const budgetMs = firstWave ? PAGES_BUDGET_MS.first : PAGES_BUDGET_MS.then;
      const args = { runId, budgetMs, range: { afterId, maxId: input.range.maxId }, filter, tuning: { ...tuning }, trackRemovals, revisits };
      running = new CancellationScope();
      page = await running.run(() => syncPages(args));
    } catch (err) {
      // Interrupted before the activity got a page done: go round (paused, or with the new tuning).
      if (isCancellation(err) && !CancellationScope.current().consideredCancelled) continue;
      // The run recorded a pause whose signal is still on its way here: wait for it rather than ask again.
      if (isRunPaused(err)) {
        await condition(() => pauses > pausesBefore);
        continue;
      }
      if (!isTransient(err)) throw err;
      const waitMs = Math.round(Math.min(RANGE_BACKOFF.maximumMs, RANGE_BACKOFF.initialMs * RANGE_BACKOFF.coefficient ** waits) * (0.5 + jitter() / 2));
      if (waitedMs + waitMs > tuning.giveUpAfterSeconds * 1000) {
        const [failing, type] = isDatabaseFailure(err) ? ['database', 'DatabaseError'] : ['upstream', 'UpstreamUnavailableError'];
        throw ApplicationFailure.nonRetryable(
          `${failing} still failing after ${Math.round(waitedMs / 1000)} s of backing off (giveUpAfterSeconds=${tuning.giveUpAfterSeconds}): ${rootMessage(err)}`,
          type,
        );
      }
      totals = addCounts(totals, { ...ZERO_COUNTS, retries: PAGE_ATTEMPTS });
      const backingOff = { range: input.index, reason: rootMessage(err), retries: PAGE_ATTEMPTS, waitSeconds: Math.round(waitMs / 1000) };
      if (parent) report(parent.signal(rangeBackingOffSignal, backingOff));
      waits++;
      waitedMs += waitMs;
      await sleep(waitMs);
      continue;
    }
    waits = 0;
    const { nextAfterId, done, finishedAtMs, ...counts } = page;
    totals = addCounts(totals, counts);
    lastPageAtMs = finishedAtMs;
    if (done) break;
    // The last pages' counts reach the parent with the range's result.
    if (parent) report(parent.signal(pageSyncedSignal, { ...counts, range: input.index, finishedAtMs }));
    afterId = nextAfterId;
    if (workflowInfo().continueAsNewSuggested) {
      await Promise.all(reports);
      await continueAsNew<typeof SyncRangeWorkflow>({ ...input, tuning, paused, range: { afterId, maxId: input.range.maxId } }, totals);
    }
  }
  await Promise.all(reports);
  return { ...totals, finishedAtMs: lastPageAtMs };
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
  return root instanceof ApplicationFailure && root.type === 'DatabaseError';
}

function rootMessage(err: unknown): string {
  const root = rootCause(err);
  return root instanceof Error ? root.message : String(root);
}

/** A deterministic random number in [0, 1): workflow code replays, so it draws from the SDK's seeded uuid4. */
function jitter(): number {
  return parseInt(uuid4().slice(0, 8), 16) / 2 ** 32;
}
