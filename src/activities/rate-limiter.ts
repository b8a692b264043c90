import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'pg';

/**
 * Spaces upstream requests evenly at a given rate across every worker process: each request reserves
 * the next free slot in one row of PostgreSQL, on the database's clock, and waits for it. Even spacing
 * (rather than bursts up to a per-second budget) keeps clients just under a fixed-window server limit,
 * and one shared row means N workers never multiply the rate.
 */
export interface RateLimiter {
  /**
   * Resolves when this request may start. The rate is the run's `requestsPerSecond` (0: no budget of
   * its own), capped just under what the upstream's headers advertise; with neither, at once.
   */
  acquire(requestsPerSecond: number): Promise<void>;
}

/**
 * The share of the upstream's advertised rate carsync asks for. Evenly spaced at the full rate, a
 * request that leaves late (a busy worker's timer fires up to tens of milliseconds late) next to one
 * on time puts one request too many into a window, and the upstream answers it 429.
 */
export const ADVERTISED_RATE_HEADROOM = 0.98;
/** An advertised rate above this bounds nothing a sync reaches (the simulator advertises 1,000,000 when it has no limit). */
const MAX_PACED_RATE = 10_000;

/** The rate requests are spaced at: the run's own budget, capped just under the upstream's advertised rate; 0 for no spacing. */
export function pacedRate(requestsPerSecond: number, advertised: number | null): number {
  const cap = advertised === null ? 0 : advertised * ADVERTISED_RATE_HEADROOM;
  if (cap === 0 || cap > MAX_PACED_RATE) return requestsPerSecond;
  return requestsPerSecond === 0 ? cap : Math.min(requestsPerSecond, cap);
}

const RESERVE_SQL = `
INSERT INTO rate_limit_slots AS r (name, next_slot) VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond')
ON CONFLICT (name) DO UPDATE SET next_slot = greatest(r.next_slot, clock_timestamp()) + $2 * interval '1 millisecond'
RETURNING extract(epoch FROM (r.next_slot - clock_timestamp())) * 1000 - $2 AS wait_ms`;

export interface RateLimiterOptions {
  /** The row all workers share. */
  name?: string;
  /** Requests per second the upstream advertises, once known (`CarsApi.advertisedRate`). */
  advertisedRate?: () => number | null;
}

export function createRateLimiter(pool: Pool, { name = 'upstream', advertisedRate = () => null }: RateLimiterOptions = {}): RateLimiter {
  return {
    async acquire(requestsPerSecond) {
      const rate = pacedRate(requestsPerSecond, advertisedRate());
      if (rate <= 0) return;
      const { rows } = await pool.query<{ wait_ms: string }>(RESERVE_SQL, [name, 1000 / rate]);
      const waitMs = Number(rows[0].wait_ms);
      if (waitMs > 0) await sleep(waitMs);
    },
  };
}
