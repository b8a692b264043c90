import { createRateLimiter } from '../../src/activities/rate-limiter';
import { databaseForTests } from '../helpers/servers';

/** One request a second: a slot is a second apart, and waits are long enough to abandon. */
const RATE = 1;
const SPACING_MS = 1000 / RATE;
const LANES = 4;

describe('a request that stops waiting for its rate-limit slot', () => {
  const database = databaseForTests('abandoned_slots', LANES + 2);

  /** How far ahead of now the shared row's next free slot lies, in ms: one spacing past the last slot reserved. */
  async function lead(name: string): Promise<number> {
    const { rows } = await database.pool.query('SELECT extract(epoch FROM next_slot - clock_timestamp()) * 1000 AS ms FROM rate_limit_slots WHERE name = $1', [
      name,
    ]);
    return Number(rows[0].ms);
  }

  it('gives its slot back or lets it expire: waves of abandoned waits never reserve a slot more than one spacing per lane ahead', async () => {
    const limiter = createRateLimiter(database.pool, { name: 'abandoned' });
    const leads: number[] = [];
    for (let wave = 0; wave < 10; wave++) {
      // Every lane asks at once, and every wait is abandoned, as a pause, a cancel or a timed-out activity does.
      const stop = new AbortController();
      const waits = Array.from({ length: LANES }, () => limiter.acquire({ runId: 'run-1', requestsPerSecond: RATE, lanes: LANES, signal: stop.signal }));
      const settled = Promise.allSettled(waits);
      stop.abort();
      const outcomes = await settled;
      // At most the one whose slot was due at once went ahead; the others stopped waiting with the abort.
      const abandoned = outcomes.filter((o) => o.status === 'rejected');
      expect(abandoned.length).toBeGreaterThanOrEqual(LANES - 1);
      for (const o of abandoned) expect((o as PromiseRejectedResult).reason).toMatchObject({ name: 'AbortError' });
      leads.push(await lead('abandoned'));
    }
    // Without the bound, each wave would leave its abandoned slots reserved: 10 waves of 4, 40 s ahead.
    expect(Math.max(...leads)).toBeLessThanOrEqual((LANES + 1) * SPACING_MS);
  });
});
