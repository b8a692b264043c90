import { normalized, startHarness, type Harness } from '../helpers/sync-harness';

describe('a 429 storm whose Retry-After is an epoch timestamp sent as seconds', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      simulator: { seed: 27, size: 3_000, faults: { retryAfterStyle: 'epoch-seconds' } },
      env: { CARSYNC_PAGE_SIZE: '100' },
    });
  });
  afterAll(() => h?.close());

  it('is waited out until that time, not for decades, and the run ends exact', async () => {
    let requests = 0;
    h.sim.onRequest(() => {
      if (++requests === 10) h.sim.setFaults({ rateLimitStormUntil: Date.now() + 2_000 });
    });
    const summary = await h.sync();

    expect(summary.status).toBe('completed');
    expect(h.sim.stats.byStatus[429]).toBeGreaterThan(0);
    expect(summary.retries).toBeGreaterThan(0);
    expect((await h.listedCars()).map(normalized)).toEqual(h.sim.dataset.validCars().map(normalized));
  });
});
