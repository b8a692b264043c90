import { normalized, startHarness, type Harness } from '../helpers/sync-harness';

describe('a full sync through an upstream that sends hostile answers', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      simulator: {
        seed: 23,
        size: 6_000,
        faults: {
          seed: 9,
          gzipBombRate: 0.05,
          endlessBodyRate: 0.03,
          stallRate: 0.03,
          slowBodyRate: 0.03,
          slowBodyMs: 60_000,
          wrongTypeRate: 0.05,
          chunked: true,
          closeConnections: true,
        },
      },
      env: { CARSYNC_PAGE_SIZE: '100', CARSYNC_HTTP_TIMEOUT_MS: '2000', CARSYNC_MAX_RESPONSE_BYTES: String(8 * 1024 * 1024) },
    });
  });
  afterAll(() => h?.close());

  it('retries each gzip bomb, endless, stalled, dripping or mistyped answer and ends exact, the worker unharmed', async () => {
    const summary = await h.sync();

    expect(summary.status).toBe('completed');
    const faults = Object.values(h.sim.stats.bodyFaults).reduce((a, b) => a + b, 0);
    expect(faults).toBeGreaterThan(0);
    expect(summary.retries).toBeGreaterThan(0);
    expect((await h.listedCars()).map(normalized)).toEqual(h.sim.dataset.validCars().map(normalized));

    // The same worker syncs again once the upstream behaves.
    h.sim.setFaults({ gzipBombRate: 0, endlessBodyRate: 0, stallRate: 0, slowBodyRate: 0, wrongTypeRate: 0 });
    expect((await h.sync()).status).toBe('completed');
  }, 300_000);
});
