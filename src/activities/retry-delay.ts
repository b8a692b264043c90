import { ApplicationFailure } from '@temporalio/common';
import { backoffDelayMs } from '../backoff';
import { isNonRetryable, UpstreamRateLimitedError } from '../errors';

/**
 * Gives a failure the delay before its retry: at least `Retry-After` for a 429 (plus up to a fifth
 * more, so rate-limited workers do not return in lockstep), jittered exponential backoff for other
 * transient failures. Errors that are not ApplicationFailures (pg's, say) keep their name as type.
 */
export function withRetryDelay(err: unknown, attempt: number): unknown {
  if (err instanceof UpstreamRateLimitedError) {
    const retryAfterMs = Number(err.nextRetryDelay ?? 1000);
    return new UpstreamRateLimitedError(err.message, Math.round(retryAfterMs * (1 + Math.random() / 5)));
  }
  if (isNonRetryable(err)) return err;
  if (!(err instanceof Error)) return err;
  const type = err instanceof ApplicationFailure ? err.type : (err.constructor?.name ?? err.name);
  return ApplicationFailure.create({ type: type ?? 'Error', message: err.message, nextRetryDelay: backoffDelayMs(attempt) });
}
