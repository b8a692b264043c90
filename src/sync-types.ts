/** Plain types shared by workflows, activities and the client. Type imports only: workflows load this file. */
import type { Tuning } from './tuning';

export type SyncMode = 'full' | 'incremental';

/**
 * `SyncCarsWorkflow`'s input: every field optional. Validated by the `startRun` activity, which
 * fills the gaps from the worker's defaults.
 */
export interface SyncInput extends Partial<Tuning> {
  mode?: SyncMode;
}

/** What an operator may change while a run is going (the `setTuning` update). */
export interface TuningChange {
  requestsPerSecond?: number;
  concurrency?: number;
}

/** Which listings a pass reads: all of them, some makes, or what changed since a time. */
export interface ListingFilter {
  makes?: string[];
  updatedSince?: string;
}

/** A pass over the id space with one filter; a run is one or two passes (priority makes, then the rest). */
export interface Pass {
  name: string;
  filter: ListingFilter;
  /** Listed cars matching the filter when planned, and their lowest and highest ids (null when none). */
  total: number;
  firstId: number | null;
  lastId: number | null;
  /** Whether this pass's pages prove which cars are no longer listed (false for passes that read only changed cars). */
  trackRemovals: boolean;
  /**
   * An earlier pass of the run may have recorded the cars this pass sees as removal candidates (a car
   * whose make changed, say): a page that sees them withdraws those candidates.
   */
  revisits: boolean;
}

export interface RunPlan {
  runId: string;
  mode: SyncMode;
  tuning: Tuning;
  /** Cars listed when the run started, per the API's `meta.total` (for incremental runs: changed cars). */
  total: number;
  passes: Pass[];
  /** What the next incremental run may start from: this run's start, on carsync's clock. */
  highWaterMark: string;
  /** Things the operator should know about this run, e.g. why it cannot remove cars. */
  notes: string[];
  startedAtMs: number;
}

/** A half-open id range (afterId, maxId]; maxId null means no upper bound. */
export interface IdRange {
  afterId: number;
  maxId: number | null;
}

export interface PageCounts {
  pages: number;
  carsSeen: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  retries: number;
  /** Pages that broke the API contract (see activities/page-contract.ts): each makes the run unverified. */
  anomalies: number;
}

/** What one syncPages call did: its counts, where the range goes on from, and whether it is done. */
export interface PageResult extends PageCounts {
  nextAfterId: number;
  done: boolean;
  finishedAtMs: number;
}

/** A range's counts, and when its last page finished (worker clock). */
export interface RangeResult extends PageCounts {
  finishedAtMs: number;
}

export interface RangeInput {
  runId: string;
  /** 1-based position among the run's ranges. */
  index: number;
  range: IdRange;
  filter: ListingFilter;
  tuning: Tuning;
  trackRemovals: boolean;
  revisits: boolean;
  paused: boolean;
}

export interface RemovalOutcome {
  removed: number;
  candidates: number;
  brakeTripped: boolean;
  /** The most removals the brake allows (maxRemovalShare of the listed cars); 0 when there were no candidates, as the listing is then not counted. */
  limit: number;
}

export type RunState = 'starting' | 'running' | 'backing-off' | 'paused' | 'finishing' | 'completed' | 'unverified' | 'failed' | 'cancelled';

/** A run that read everything but could not prove it read everything ends `unverified`, never `completed`. */
export type RunStatus = 'completed' | 'unverified' | 'failed' | 'cancelled';

/** What a pass read, beside what planning surveyed for it: the end of the run checks one against the other. */
export interface PassOutcome {
  name: string;
  filter: ListingFilter;
  /** Cars matching the filter when planned. */
  surveyed: number;
  /** Records its pages returned inside their ranges. */
  seen: number;
}

/** Whether a run proved its completeness, and if not, why (each reason names a page or a pass). */
export interface Verification {
  verified: boolean;
  unverifiedReasons: string[];
}

export interface SyncSummary extends Omit<PageCounts, 'pages'>, Verification {
  runId: string;
  mode: SyncMode;
  status: RunStatus;
  pages: number;
  ranges: number;
  removed: number;
  removalCandidates: number;
  removalBrakeTripped: boolean;
  notes: string[];
  durationSeconds: number;
  rowsPerSecond: number;
}

export interface Progress extends PageCounts {
  state: RunState;
  /** Null until the run has closed; reasons stay empty until then too. */
  verified: boolean | null;
  unverifiedReasons: string[];
  mode: SyncMode | null;
  pagesDone: number;
  pagesTotal: number;
  carsTotal: number;
  rangesDone: number;
  rangesTotal: number;
  removed: number;
  /** Ranges currently waiting out upstream trouble, and the last trouble reported. */
  backingOff: number;
  lastError: string | null;
  rowsPerSecond: number;
  etaSeconds: number | null;
}

export const ZERO_COUNTS: PageCounts = { pages: 0, carsSeen: 0, inserted: 0, updated: 0, unchanged: 0, rejected: 0, retries: 0, anomalies: 0 };

export function addCounts(a: PageCounts, b: PageCounts): PageCounts {
  return {
    pages: a.pages + b.pages,
    carsSeen: a.carsSeen + b.carsSeen,
    inserted: a.inserted + b.inserted,
    updated: a.updated + b.updated,
    unchanged: a.unchanged + b.unchanged,
    rejected: a.rejected + b.rejected,
    retries: a.retries + b.retries,
    anomalies: a.anomalies + b.anomalies,
  };
}
