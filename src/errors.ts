import { ApplicationFailure } from '@temporalio/common';

/**
 * The error classes are the wire contract of retries: an activity failure's `type` is the class name,
 * and the retry policies in `src/workflows/policies.ts` match on it. Rename none of them casually.
 * Messages name what went wrong and what to fix; they never contain the API key.
 */

/** The request is wrong (HTTP 400) or the run's input is invalid: retrying cannot help. */
export class UpstreamConfigError extends ApplicationFailure {
  constructor(message: string) {
    super(message, 'UpstreamConfigError');
  }
}

/** The API key is missing, invalid (401) or may not read listings (403). */
export class UpstreamAuthError extends ApplicationFailure {
  constructor(message: string) {
    super(message, 'UpstreamAuthError');
  }
}

/** HTTP 429: the retry waits at least `Retry-After` via the failure's next retry delay. */
export class UpstreamRateLimitedError extends ApplicationFailure {
  constructor(message: string, retryAfterMs: number) {
    super(message, 'UpstreamRateLimitedError', false, undefined, undefined, retryAfterMs);
  }
}

/** HTTP 5xx (or another unexpected status): transient server trouble. */
export class UpstreamServerError extends ApplicationFailure {
  constructor(message: string) {
    super(message, 'UpstreamServerError');
  }
}

/** Connection reset, timeout, truncated or non-JSON body: transient network trouble. */
export class UpstreamNetworkError extends ApplicationFailure {
  constructor(message: string) {
    super(message, 'UpstreamNetworkError');
  }
}

/** The run's own input (workflow input, tuning) is invalid. */
export class InvalidRunInputError extends ApplicationFailure {
  constructor(message: string) {
    super(message, 'InvalidRunInputError');
  }
}

/** Another run of the same database is still open: one sync at a time per table, so this one does not start. */
export class SyncAlreadyRunningError extends ApplicationFailure {
  constructor(message: string) {
    super(message, 'SyncAlreadyRunningError');
  }
}

/** The run has recorded a pause: no upstream request starts until it resumes. Its workflow waits for the resume, not a retry. */
export class RunPausedError extends ApplicationFailure {
  constructor(message: string) {
    super(message, 'RunPausedError');
  }
}

/** Failure types no retry can fix: the run stops and says what to change (a paused one waits for its resume). */
export const NON_RETRYABLE_ERROR_TYPES = ['UpstreamConfigError', 'UpstreamAuthError', 'InvalidRunInputError', 'SyncAlreadyRunningError', 'RunPausedError'];

/** True when retrying cannot help: an ApplicationFailure that says so, or whose type is one of the classes above. */
export function isNonRetryable(err: unknown): boolean {
  return err instanceof ApplicationFailure && (Boolean(err.nonRetryable) || NON_RETRYABLE_ERROR_TYPES.includes(err.type ?? ''));
}

/** How each HTTP status maps to an error class, and the hint the operator gets with it. */
export const STATUS_ERRORS: Record<number, (detail: string, retryAfterMs: number) => ApplicationFailure> = {
  400: (d) => new UpstreamConfigError(`upstream rejected the request as invalid (400): ${d}; check the run's tuning and filters`),
  401: (d) => new UpstreamAuthError(`upstream refused the API key (401): ${d}; set a valid CARS_API_KEY for the worker`),
  403: (d) => new UpstreamAuthError(`upstream forbids this API key from reading listings (403): ${d}; use a key with read access`),
  404: (d) => new UpstreamConfigError(`upstream has no listing endpoint here (404): ${d}; check CARS_API_URL`),
  429: (d, retryAfterMs) => new UpstreamRateLimitedError(`upstream rate limit hit (429): ${d}; retrying after ${retryAfterMs} ms`, retryAfterMs),
};

export function errorForStatus(status: number, detail: string, retryAfterMs: number): ApplicationFailure {
  const make = STATUS_ERRORS[status];
  if (make) return make(detail, retryAfterMs);
  return new UpstreamServerError(`upstream answered ${status}: ${detail}`);
}
