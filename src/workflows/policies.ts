import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';
import { PAGE_ATTEMPTS, TRANSIENT_RETRY } from '../backoff';

/** Timeouts of the workflows' activities, by profile. What is retried, and when, is in src/backoff.ts. */

/**
 * How long one syncPages activity keeps taking pages before it returns, so the range reports progress
 * to its parent. Each activity and its report cost the Temporal server and the workflow thread about
 * as much as writing a page does: a few seconds' worth of pages per activity makes that cost small.
 * The first activity of each range in a run's first wave returns sooner, so the run shows progress
 * within a second or two.
 */
export const PAGES_BUDGET_MS = { first: 1_000, then: 4_000 } as const;

/**
 * A few seconds of pages (PAGES_BUDGET_MS), then one more page, which may wait for the rate
 * limiter and take the HTTP timeout (30 s by default).
 */
export const PAGES_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  // The activity heartbeats every second: a killed worker's pages are retried elsewhere within this.
  heartbeatTimeout: '10 seconds',
  // A range interrupts its activity to pause or retune; the activity returns what it did so far.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { ...TRANSIENT_RETRY, maximumAttempts: PAGE_ATTEMPTS },
};

/** Planning and closing a run: two small requests, or one transaction. */
export const RUN_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '1 hour',
  retry: TRANSIENT_RETRY,
};
