import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'pg';
import type { AdvertisedLimit } from './cars-api';

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
export function pacedRate(requestsPerSecond: number, advertised: AdvertisedLimit | null): number {
  const cap = advertised === null ? 0 : (advertised.limit / advertised.windowSeconds) * ADVERTISED_RATE_HEADROOM;
  if (cap === 0 || cap > MAX_PACED_RATE) return requestsPerSecond;
  return requestsPerSecond === 0 ? cap : Math.min(requestsPerSecond, cap);
}

/**
 * How late a request may leave before it risks one request too many in a window: `limit` requests
 * spaced at `rate` span `limit / rate` seconds, a little more than the window. A request later than
 * half of that pushes every slot not yet reserved back by the rest of its lateness.
 */
function toleratedLatenessMs(rate: number, { limit, windowSeconds }: AdvertisedLimit): number {
  return ((limit * 1000) / rate - windowSeconds * 1000) / 2;
}

const RESERVE_SQL = `
INSERT INTO rate_limit_slots AS r (name, next_slot) VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond')
ON CONFLICT (name) DO UPDATE SET next_slot = greatest(r.next_slot, clock_timestamp()) + $2 * interval '1 millisecond'
RETURNING extract(epoch FROM (r.next_slot - clock_timestamp())) * 1000 - $2 AS wait_ms`;

const PUSH_SQL = `UPDATE rate_limit_slots SET next_slot = next_slot + $2 * interval '1 millisecond' WHERE name = $1`;

export interface RateLimiterOptions {
  /** The row all workers share. */
  name?: string;
  /** What the upstream advertises, once known (`CarsApi.advertisedLimit`). */
  advertisedLimit?: () => AdvertisedLimit | null;
}

export function createRateLimiter(pool: Pool, { name = 'upstream', advertisedLimit = () => null }: RateLimiterOptions = {}): RateLimiter {
  return {
    async acquire(requestsPerSecond) {
      const advertised = advertisedLimit();
      const rate = pacedRate(requestsPerSecond, advertised);
      if (rate <= 0) return;
      // Lateness counts from before the query: a reply slowed by a busy worker is lateness too.
      const asked = performance.now();
      const { rows } = await pool.query<{ wait_ms: string }>(RESERVE_SQL, [name, 1000 / rate]);
      const waitMs = Number(rows[0].wait_ms);
      if (waitMs <= 0) return;
      const due = asked + waitMs;
      await sleep(waitMs);
      // A busy worker's timer fires late: past the slack the headroom leaves, the next slots make room.
      if (advertised === null) return;
      const pushMs = performance.now() - due - toleratedLatenessMs(rate, advertised);
      if (pushMs > 0) await pool.query(PUSH_SQL, [name, pushMs]);
    },
  };
}
