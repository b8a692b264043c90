/**
 * A run's tuning and the bounds of each numeric value, defined once: the worker's environment, a
 * run's input, the `setTuning` update and the CLI all check against them. No imports: workflow code
 * loads this file.
 */

/** What a run is tuned by: the worker's defaults, overridden field by field by the run's input. */
export interface Tuning {
  /** Records per upstream request; the API allows 1..1000 and larger pages mean fewer round trips. */
  pageSize: number;
  /** Page-range child workflows in flight at once. */
  concurrency: number;
  /** Upstream requests per second, shared by all workers; 0: no budget of its own. */
  requestsPerSecond: number;
  /** Rows per INSERT statement. */
  batchSize: number;
  /** Pages each child workflow covers (the id space is cut so each range holds about this many). */
  pagesPerRange: number;
  /** Share of listed cars a single run may mark removed before the safety brake refuses. */
  maxRemovalShare: number;
  /** How long a page range waits out an unavailable upstream (backing off) before the run fails. */
  giveUpAfterSeconds: number;
  /** Makes a full run syncs before all others; empty for none. */
  priorityMakes: string[];
  /** Incremental runs re-read this much before the last completed sync's start, to absorb clock skew. */
  incrementalOverlapSeconds: number;
  /** A run paused longer than this ends as cancelled, so the next scheduled run can start; 0: no limit. */
  maxPauseSeconds: number;
}

/**
 * The lowest request budget a run may set; 0 means none of its own. A request waits for its slot up
 * to one spacing per lane, so at one request a second even 256 lanes wait at most 256 s, inside the
 * page activity's 5-minute timeout, and planning's few requests fit in its 1-minute one. Slower
 * upstreams advertise their limit, which paces requests without a budget.
 */
export const MIN_REQUESTS_PER_SECOND = 1;

interface NumberBounds {
  min: number;
  max: number;
  integer: boolean;
  /** 0 is allowed besides min..max: "none". */
  orZero?: string;
}

export const TUNING_BOUNDS = {
  pageSize: { min: 1, max: 1000, integer: true },
  concurrency: { min: 1, max: 256, integer: true },
  requestsPerSecond: { min: MIN_REQUESTS_PER_SECOND, max: 10_000, integer: false, orZero: 'no budget of its own' },
  batchSize: { min: 1, max: 10_000, integer: true },
  pagesPerRange: { min: 1, max: 10_000, integer: true },
  maxRemovalShare: { min: 0, max: 1, integer: false },
  giveUpAfterSeconds: { min: 0, max: 7 * 24 * 3600, integer: true },
  incrementalOverlapSeconds: { min: 0, max: 7 * 24 * 3600, integer: true },
  maxPauseSeconds: { min: 1, max: 7 * 24 * 3600, integer: true, orZero: 'no limit' },
} as const satisfies { [K in keyof Tuning as Tuning[K] extends number ? K : never]: NumberBounds };

export type NumericTuningField = keyof typeof TUNING_BOUNDS;

/** Why `value` is no valid `field`, or null when it is. Taken literally: only a number is a number (no `true`, `"5"` or `null`). */
export function tuningProblem(field: NumericTuningField, value: unknown): string | null {
  const { min, max, integer, orZero }: NumberBounds = TUNING_BOUNDS[field];
  const inRange =
    typeof value === 'number' &&
    (integer ? Number.isInteger(value) : Number.isFinite(value)) &&
    ((value >= min && value <= max) || (orZero !== undefined && value === 0));
  if (inRange) return null;
  const wanted = `${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`;
  const shown = typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
  return `${field} must be ${orZero ? `0 (${orZero}) or ${wanted}` : wanted}, not ${shown}`;
}
