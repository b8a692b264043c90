import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'pg';

/**
 * Spaces upstream requests evenly at a given rate across every worker process: each request reserves
 * the next free slot in one row of PostgreSQL, on the database's clock, and waits for it. Even spacing
 * (rather than bursts up to a per-second budget) keeps clients just under a fixed-window server limit,
 * and one shared row means N workers never multiply the rate.
 */
export interface RateLimiter {
  /** Resolves when this request may start; at once when `requestsPerSecond` is 0 (unlimited). */
  acquire(requestsPerSecond: number): Promise<void>;
}

const RESERVE_SQL = `
INSERT INTO rate_limit_slots AS r (name, next_slot) VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond')
ON CONFLICT (name) DO UPDATE SET next_slot = greatest(r.next_slot, clock_timestamp()) + $2 * interval '1 millisecond'
RETURNING extract(epoch FROM (r.next_slot - clock_timestamp())) * 1000 - $2 AS wait_ms`;

export function createRateLimiter(pool: Pool, name = 'upstream'): RateLimiter {
  return {
    async acquire(requestsPerSecond) {
      if (requestsPerSecond <= 0) return;
      const { rows } = await pool.query<{ wait_ms: string }>(RESERVE_SQL, [name, 1000 / requestsPerSecond]);
      const waitMs = Number(rows[0].wait_ms);
      if (waitMs > 0) await sleep(waitMs);
    },
  };
}
