import { addCounts, ZERO_COUNTS, type PageCounts, type Progress, type RangeResult, type RunPlan, type RunState, type Verification } from '../sync-types';

/** What a range reports on its way: the counts of its pages since its last report. */
export type PagesReport = PageCounts & { range: number; finishedAtMs: number };
/** What a range reports when it starts waiting out upstream trouble. */
export interface BackingOffReport {
  range: number;
  reason: string;
  retries: number;
  waitSeconds: number;
}

/** Where the run stands, as the orchestrator knows it: the parts of progress that are not counts. */
export interface RunStanding {
  state: RunState;
  paused: boolean;
  plan: RunPlan | undefined;
  rangesTotal: number;
  rangesRunning: number;
}

/** The counts a run hands to its next run when it continues as new, once no range is running. */
export interface CarriedProgress {
  totals: PageCounts;
  passSeen: [number, number][];
  rangesDone: number[];
  lastPageAtMs: number;
  lastError: string | null;
}

/**
 * A run's counts: finished ranges' in `totals`, running ranges' as they report them. Pure, so the
 * progress maths and the Web UI text are unit-tested without a workflow.
 */
export class RunProgress {
  totals: PageCounts = ZERO_COUNTS;
  /** Cars each pass's finished ranges saw, by pass: the run's close checks them against the listing. */
  readonly passSeen = new Map<number, number>();
  removed = 0;
  verification: Verification | null = null;
  private readonly reported = new Map<number, PageCounts>();
  private readonly backingOff = new Set<number>();
  private lastPageAtMs = 0;
  private readonly rangesDone = new Set<number>();
  private lastError: string | null = null;

  /** The counts of an earlier run of the same sync. */
  static carried({ totals, passSeen, rangesDone, lastPageAtMs, lastError }: CarriedProgress): RunProgress {
    const progress = new RunProgress();
    progress.totals = totals;
    for (const [pass, seen] of passSeen) progress.passSeen.set(pass, seen);
    for (const range of rangesDone) progress.rangesDone.add(range);
    progress.lastPageAtMs = lastPageAtMs;
    progress.lastError = lastError;
    return progress;
  }

  /** The counts to carry; only finished ranges count, since a run hands over once none is running. */
  carry(): CarriedProgress {
    return { totals: this.totals, passSeen: [...this.passSeen], rangesDone: [...this.rangesDone], lastPageAtMs: this.lastPageAtMs, lastError: this.lastError };
  }

  /** True when the range was backing off: its page says it recovered. */
  pagesSynced({ finishedAtMs, range, ...counts }: PagesReport): boolean {
    this.report(range, counts);
    this.lastPageAtMs = Math.max(this.lastPageAtMs, finishedAtMs);
    return this.backingOff.delete(range);
  }

  rangeBackingOff({ range, reason, retries, waitSeconds }: BackingOffReport): void {
    this.report(range, { ...ZERO_COUNTS, retries });
    this.backingOff.add(range);
    this.lastError = `range ${range}: ${reason} (waiting ${waitSeconds} s)`;
  }

  /** The result holds every count of the range, including what it reported on the way. True when the range was backing off. */
  rangeFinished(range: number, pass: number, { finishedAtMs, ...counts }: RangeResult): boolean {
    this.totals = addCounts(this.totals, counts);
    this.passSeen.set(pass, (this.passSeen.get(pass) ?? 0) + counts.carsSeen);
    this.reported.delete(range);
    this.lastPageAtMs = Math.max(this.lastPageAtMs, finishedAtMs);
    this.rangesDone.add(range);
    return this.backingOff.delete(range);
  }

  finished(range: number): boolean {
    return this.rangesDone.has(range);
  }

  /** A range stopped, finished or not: it waits no more. */
  rangeStopped(range: number): void {
    this.backingOff.delete(range);
  }

  snapshot({ state, paused, plan, rangesTotal, rangesRunning }: RunStanding): Progress {
    const live = [...this.reported.values()].reduce(addCounts, this.totals);
    const pagesEstimate = plan ? Math.ceil(plan.total / plan.tuning.pageSize) + Math.max(0, rangesTotal - 1) : 0;
    const seconds = plan && this.lastPageAtMs > plan.startedAtMs ? (this.lastPageAtMs - plan.startedAtMs) / 1000 : 0;
    const rowsPerSecond = seconds > 0 ? Math.round(live.carsSeen / seconds) : 0;
    const remaining = plan ? Math.max(0, plan.total - live.carsSeen) : 0;
    const allWaiting = this.backingOff.size > 0 && this.backingOff.size >= rangesRunning;
    return {
      ...live,
      state: state !== 'running' ? state : paused ? 'paused' : allWaiting ? 'backing-off' : state,
      mode: plan?.mode ?? null,
      pagesDone: live.pages,
      pagesTotal: Math.max(pagesEstimate, live.pages),
      carsTotal: plan?.total ?? 0,
      rangesDone: this.rangesDone.size,
      rangesTotal,
      removed: this.removed,
      verified: this.verification?.verified ?? null,
      unverifiedReasons: this.verification?.unverifiedReasons ?? [],
      backingOff: this.backingOff.size,
      lastError: this.lastError,
      rowsPerSecond,
      etaSeconds: state !== 'running' || rowsPerSecond === 0 ? null : Math.round(remaining / rowsPerSecond),
    };
  }

  private report(range: number, counts: PageCounts): void {
    this.reported.set(range, addCounts(this.reported.get(range) ?? ZERO_COUNTS, counts));
  }
}

/** The run's current details in the Web UI, so the run tells its story without a query. */
export function detailsText(p: Progress): string {
  const eta = p.etaSeconds === null ? '' : `, ETA ${p.etaSeconds} s`;
  const trouble = p.backingOff > 0 && p.lastError ? `\n\nbacking off: ${p.backingOff} range(s); last: ${p.lastError}` : '';
  return (
    `**${p.state}** (${p.mode ?? 'planning'}): ${p.pagesDone}/${p.pagesTotal} pages, ${p.carsSeen}/${p.carsTotal} cars, ` +
    `${p.rowsPerSecond} cars/s${eta}; ranges ${p.rangesDone}/${p.rangesTotal}; inserted ${p.inserted}, ` +
    `updated ${p.updated}, unchanged ${p.unchanged}, removed ${p.removed}, rejected ${p.rejected}, retries ${p.retries}${trouble}` +
    verificationDetails(p)
  );
}

/** Says when a run cannot be taken for complete: as pages break the contract, and why once it has closed. */
function verificationDetails(p: Progress): string {
  if (p.verified === false) return `\n\ncompleteness not verified, so nothing was marked removed:\n${p.unverifiedReasons.map((r) => `- ${r}`).join('\n')}`;
  if (p.verified === null && p.anomalies > 0) return `\n\n${p.anomalies} page(s) broke the API contract: this run will end unverified`;
  return '';
}
