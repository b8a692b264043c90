import { ApplicationFailure } from '@temporalio/common';
import { isNonRetryable, NON_RETRYABLE_ERROR_TYPES, UpstreamRateLimitedError } from './errors';

/**
 * The retry schedule, in the order a failing page meets it:
 * 1. An activity fails with one of the classes in `src/errors.ts`; a class that is not `transient`
 *    (NON_RETRYABLE_ERROR_TYPES) stops the run at once (a paused run waits for its resume instead).
 * 2. `withRetryDelay` gives any other failure the delay before its retry: a 429 waits its
 *    `Retry-After` plus up to a fifth more, anything else backs off by BACKOFF with jitter. The
 *    Temporal server retries on a fixed schedule, so jitter comes from the failing activity.
 * 3. A page gets PAGE_ATTEMPTS such quick attempts. Then its range waits in the workflow, where
 *    progress shows it (RANGE_BACKOFF, jittered by `rangeWaitMs`), and tries again.
 * 4. A range that has waited `giveUpAfterSeconds` in all fails the run as UpstreamUnavailableError
 *    (or DatabaseError). Planning and closing a run retry by TRANSIENT_RETRY alone.
 * Workflow code loads this file: nothing here does I/O.
 */

/** Quick retries of transient trouble (5xx, resets, truncated bodies, timeouts, database restarts). */
export const BACKOFF = { initialMs: 1_000, coefficient: 2, maximumMs: 30_000 } as const;

/** The retry policy of every activity; a failure's own next retry delay overrides its interval. */
export const TRANSIENT_RETRY = {
  initialInterval: BACKOFF.initialMs,
  backoffCoefficient: BACKOFF.coefficient,
  maximumInterval: BACKOFF.maximumMs,
  nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
} as const;

/** Quick attempts of a failing page before its range backs off in the workflow, where progress can show it. */
export const PAGE_ATTEMPTS = 5;

/** A range whose page keeps failing waits this long, doubling, before trying again. */
export const RANGE_BACKOFF = { initialMs: 15_000, coefficient: 2, maximumMs: 5 * 60_000 } as const;

/** Up to this share more than `Retry-After`, so rate-limited workers do not return in lockstep. */
const RETRY_AFTER_JITTER = 1 / 5;

/** Delay before retry number `attempt` (1 = the first retry): exponential, with full jitter in [d/2, d]. */
export function backoffDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF.maximumMs, BACKOFF.initialMs * BACKOFF.coefficient ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** A range's wait after `waits` earlier waits in a row, `random` in [0, 1): RANGE_BACKOFF, jittered to [d/2, d]. */
export function rangeWaitMs(waits: number, random: number): number {
  return Math.round(Math.min(RANGE_BACKOFF.maximumMs, RANGE_BACKOFF.initialMs * RANGE_BACKOFF.coefficient ** waits) * (0.5 + random / 2));
}

/** Gives an activity's failure the delay before its retry. Errors that are not ApplicationFailures (pg's, say) keep their name as type. */
export function withRetryDelay(err: unknown, attempt: number): unknown {
  if (err instanceof UpstreamRateLimitedError) {
    const retryAfterMs = Number(err.nextRetryDelay ?? 1000);
    return new UpstreamRateLimitedError(err.message, Math.round(retryAfterMs * (1 + Math.random() * RETRY_AFTER_JITTER)));
  }
  if (isNonRetryable(err)) return err;
  if (!(err instanceof Error)) return err;
  const type = err instanceof ApplicationFailure ? err.type : (err.constructor?.name ?? err.name);
  return ApplicationFailure.create({ type: type ?? 'Error', message: err.message, nextRetryDelay: backoffDelayMs(attempt) });
}
