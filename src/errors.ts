import { ApplicationFailure } from '@temporalio/common';

/**
 * The error classes are the wire contract of retries: an activity failure's `type` is the class name,
 * and the retry policies in `src/workflows/policies.ts` match on it. Rename none of them casually.
 * Messages name what went wrong and what to fix; they never contain the API key.
 */

/**
 * Base of carsync's failures: the failure's `type` is the class's name, derived here once, so a class
 * and its wire name cannot drift apart. `transient` says whether another attempt may help; the list of
 * failure types retry policies never retry is built from it.
 */
export abstract class CarsyncFailure extends ApplicationFailure {
  static readonly transient: boolean = true;
  constructor(message: string, options: { nonRetryable?: boolean; nextRetryDelay?: number } = {}) {
    super(message, new.target.name, options.nonRetryable ?? false, undefined, undefined, options.nextRetryDelay);
  }
}

/** The request is wrong (HTTP 400, 404, another 4xx but 408 and 429, a redirect): retrying cannot help. */
export class UpstreamConfigError extends CarsyncFailure {
  static override readonly transient = false;
}

/** The API key is missing, invalid (401) or may not read listings (403). */
export class UpstreamAuthError extends CarsyncFailure {
  static override readonly transient = false;
}

/** HTTP 429: the retry waits at least `Retry-After` via the failure's next retry delay. */
export class UpstreamRateLimitedError extends CarsyncFailure {
  constructor(message: string, retryAfterMs: number) {
    super(message, { nextRetryDelay: retryAfterMs });
  }
}

/** HTTP 5xx, 408 (or another unexpected status): transient server trouble. */
export class UpstreamServerError extends CarsyncFailure {}

/** Connection reset, timeout, a body truncated, oversized or not JSON, a wrong content type: transient network trouble. */
export class UpstreamNetworkError extends CarsyncFailure {}

/** The upstream broke its paging contract while a run planned (its listing shrank between two requests): a retry sees it consistent. */
export class UpstreamProtocolError extends CarsyncFailure {}

/** A range backed off for `giveUpAfterSeconds` and the upstream still failed: the run gives up. */
export class UpstreamUnavailableError extends CarsyncFailure {
  static override readonly transient = false;
}

/** PostgreSQL failed a page's read or write (down, full, locked out): transient database trouble, not a record's. */
export class DatabaseError extends CarsyncFailure {}

/** The run's own input (workflow input, tuning) is invalid. */
export class InvalidRunInputError extends CarsyncFailure {
  static override readonly transient = false;
}

/** Another run of the same database is still open: one sync at a time per table, so this one does not start. */
export class SyncAlreadyRunningError extends CarsyncFailure {
  static override readonly transient = false;
}

/** The run has recorded a pause: no upstream request starts until it resumes. Its workflow waits for the resume, not a retry. */
export class RunPausedError extends CarsyncFailure {
  static override readonly transient = false;
}

export const ERROR_CLASSES = [
  UpstreamConfigError,
  UpstreamAuthError,
  UpstreamRateLimitedError,
  UpstreamServerError,
  UpstreamNetworkError,
  UpstreamProtocolError,
  UpstreamUnavailableError,
  DatabaseError,
  InvalidRunInputError,
  SyncAlreadyRunningError,
  RunPausedError,
] as const;

/** Failure types no retry can fix: the run stops and says what to change (a paused one waits for its resume). */
export const NON_RETRYABLE_ERROR_TYPES: string[] = ERROR_CLASSES.filter((c) => !c.transient).map((c) => c.name);

/** True when retrying cannot help: an ApplicationFailure that says so, or whose type is one of the classes above. */
export function isNonRetryable(err: unknown): boolean {
  return err instanceof ApplicationFailure && (Boolean(err.nonRetryable) || NON_RETRYABLE_ERROR_TYPES.includes(err.type ?? ''));
}

/** Builds the error for an upstream status; `detail` is already redacted upstream text. */
type StatusError = (status: number, detail: string, retryAfter: RetryAfter) => ApplicationFailure;

/** The wait a 429 asks for, and what `Retry-After` asked when that was more than carsync waits. */
export interface RetryAfter {
  ms: number;
  cappedFromMs: number | null;
}

/**
 * How each HTTP status maps to an error class, and the hint the operator gets with it: a status has
 * its own row, or falls to its class's (`4xx`), or is transient server trouble. Only 408 and 429 of
 * the 4xx are worth another try; any other 4xx says the request is wrong, so retrying cannot help.
 */
export const STATUS_ERRORS: Record<number | '3xx' | '4xx', StatusError> = {
  400: (_s, d) => new UpstreamConfigError(`upstream rejected the request as invalid (400): ${d}; check the run's tuning and filters`),
  401: (_s, d) => new UpstreamAuthError(`upstream refused the API key (401): ${d}; set a valid CARS_API_KEY for the worker`),
  403: (_s, d) => new UpstreamAuthError(`upstream forbids this API key from reading listings (403): ${d}; use a key with read access`),
  404: (_s, d) => new UpstreamConfigError(`upstream has no listing endpoint here (404): ${d}; check CARS_API_URL`),
  408: (_s, d) => new UpstreamServerError(`upstream timed out waiting for the request (408): ${d}`),
  429: (_s, d, wait) =>
    new UpstreamRateLimitedError(
      `upstream rate limit hit (429): ${d}; retrying after ${wait.ms} ms` +
        (wait.cappedFromMs === null ? '' : ` (capped: Retry-After asked for ${Math.round(wait.cappedFromMs / 1000)} s)`),
      wait.ms,
    ),
  // Redirects are not followed: the key would go wherever the upstream points.
  '3xx': (s, d) => new UpstreamConfigError(`upstream redirected the request (${s}): ${d}; set CARS_API_URL to the address it redirects to`),
  '4xx': (s, d) => new UpstreamConfigError(`upstream refused the request (${s}): ${d}; check CARS_API_URL and the run's filters`),
};

export function errorForStatus(status: number, detail: string, retryAfter: RetryAfter): ApplicationFailure {
  const statusClass = `${Math.floor(status / 100)}xx`;
  const make = STATUS_ERRORS[status] ?? STATUS_ERRORS[statusClass as '3xx' | '4xx'];
  if (make) return make(status, detail, retryAfter);
  return new UpstreamServerError(`upstream answered ${status}: ${detail}`);
}
