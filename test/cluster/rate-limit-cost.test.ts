import { Pool } from 'pg';
import { createRateLimiter } from '../../src/activities/rate-limiter';
import { migrate } from '../../src/db/migrate';
import { cleanupAfterEach } from '../helpers/cleanup';
import { freshDatabase } from '../helpers/servers';

/** Worker counts to price the shared slot row at; each worker has up to this many requests in flight. */
const WORKER_COUNTS = [1, 3, 6];
const IN_FLIGHT_PER_WORKER = 8;
const ACQUIRES_PER_WORKER = 200;
/** A rate no run reaches, so each acquire costs its query (and its wait on the row lock), not a wait for a slot. */
const RATE = 1_000_000;

const defer = cleanupAfterEach();

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

describe('the cost of the shared request budget', () => {
  it('prices one slot reservation in PostgreSQL at 1, 3 and 6 workers, each with requests in flight', async () => {
    const db = await freshDatabase('rate_cost');
    defer(() => db.drop());
    const setup = new Pool({ connectionString: db.url, max: 1 });
    await migrate(setup);
    await setup.end();

    const lines: string[] = [];
    for (const workers of WORKER_COUNTS) {
      // One pool per worker, as each worker process has its own; the row they share is the contention.
      const pools = Array.from({ length: workers }, () => new Pool({ connectionString: db.url, max: IN_FLIGHT_PER_WORKER }));
      const costs: number[] = [];
      const startedAt = performance.now();
      await Promise.all(
        pools.flatMap((pool) => {
          const limiter = createRateLimiter(pool, { name: `cost-${workers}` });
          return Array.from({ length: IN_FLIGHT_PER_WORKER }, async () => {
            for (let i = 0; i < ACQUIRES_PER_WORKER / IN_FLIGHT_PER_WORKER; i++) {
              const asked = performance.now();
              await limiter.acquire({ runId: `cost-${workers}`, requestsPerSecond: RATE, lanes: workers * IN_FLIGHT_PER_WORKER });
              costs.push(performance.now() - asked);
            }
          });
        }),
      );
      const seconds = (performance.now() - startedAt) / 1000;
      await Promise.all(pools.map((pool) => pool.end()));
      costs.sort((a, b) => a - b);
      lines.push(
        `${workers} worker(s) x ${IN_FLIGHT_PER_WORKER} in flight: p50 ${percentile(costs, 0.5).toFixed(1)} ms, ` +
          `p95 ${percentile(costs, 0.95).toFixed(1)} ms per reservation, ${Math.round(costs.length / seconds)} reservations/s`,
      );
      expect(costs).toHaveLength(workers * ACQUIRES_PER_WORKER);
    }
    console.log(`rate limit cost (slot interval ${1000 / RATE} ms):\n${lines.join('\n')}`);
  });
});
