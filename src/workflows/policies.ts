import type { ActivityOptions } from '@temporalio/workflow';
import { NON_RETRYABLE_ERROR_TYPES } from '../errors';

/**
 * Timeouts and retry policies, by profile. The error classes of src/errors.ts decide what is retried:
 * auth and configuration errors stop the run at once; 429 waits for Retry-After (the failure's next
 * retry delay overrides the backoff); 5xx and network trouble back off exponentially.
 */

/** Backoff for transient upstream and database trouble: 1 s doubling to one minute. */
const TRANSIENT_RETRY = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
} as const;

/** One page: one HTTP request (30 s timeout by default) and one transaction. */
export const PAGE_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  // How long a page may keep failing before the run gives up: an upstream outage is waited out until then.
  scheduleToCloseTimeout: '1 hour',
  retry: TRANSIENT_RETRY,
};

/** Planning and closing a run: two small requests, or one transaction. */
export const RUN_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '1 hour',
  retry: TRANSIENT_RETRY,
};
