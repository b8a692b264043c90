import { normalized, startHarness, type Harness } from '../helpers/sync-harness';

describe('a full sync through a faulty upstream', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      simulator: { seed: 21, size: 20_000, faults: { serverErrorRate: 0.05, resetRate: 0.01, truncateRate: 0.01, seed: 5 } },
      env: { CARSYNC_PAGE_SIZE: '200', CARSYNC_HTTP_TIMEOUT_MS: '3000' },
    });
  });
  afterAll(() => h?.close());

  it('ends with cars exactly equal to the upstream despite 5xx, resets, truncated bodies and a 429 storm', async () => {
    let requests = 0;
    h.sim.onRequest(() => {
      // A 429 storm of two seconds, a third of the way in.
      if (++requests === 40) h.sim.setFaults({ rateLimitStormUntil: Date.now() + 2_000 });
    });
    const summary = await h.sync();

    expect(summary.status).toBe('completed');
    expect(summary.retries).toBeGreaterThan(5);
    expect(h.sim.stats.byStatus[429]).toBeGreaterThan(0);
    expect(h.sim.stats.resets + h.sim.stats.truncated).toBeGreaterThan(0);
    expect((await h.listedCars()).map(normalized)).toEqual(h.sim.dataset.validCars().map(normalized));
    const { rows } = await h.pool.query('SELECT count(*)::int AS n FROM car_rejects');
    expect(rows[0].n).toBe(h.sim.dataset.invalidRecords().length);
  });
});
