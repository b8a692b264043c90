/**
 * Backoff for transient trouble (5xx, resets, truncated bodies, timeouts, database restarts), shared
 * by the activity retry policy and the activities that add jitter to it. The Temporal server retries
 * on a fixed schedule, so jitter comes from the failing activity as the failure's next retry delay.
 */
export const BACKOFF = {
  initialMs: 1_000,
  coefficient: 2,
  maximumMs: 30_000,
} as const;

/** Delay before retry number `attempt` (1 = the first retry): exponential, with full jitter in [d/2, d]. */
export function backoffDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF.maximumMs, BACKOFF.initialMs * BACKOFF.coefficient ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
