import { progressQuery } from '../../src/workflows/messages';
import { normalized, startHarness, type Harness } from '../helpers/sync-harness';

const OUTAGE_MS = 60_000;

describe('an upstream that answers only 503 for a minute', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 51, size: 5_000 }, env: { CARSYNC_PAGE_SIZE: '250' } });
  });
  afterAll(() => h?.close());

  it('is waited out with growing backoff, shown in progress, and the run ends exact', async () => {
    let outageStarted = 0;
    let requestsDuringOutage = 0;
    h.sim.onRequest((query) => {
      if (!outageStarted && query.afterId !== null) {
        outageStarted = Date.now();
        h.sim.setFaults({ outageUntil: outageStarted + OUTAGE_MS });
      }
      if (outageStarted && Date.now() < outageStarted + OUTAGE_MS) requestsDuringOutage++;
    });
    const handle = await h.start();

    let sawBackingOff = false;
    let lastError: string | null = null;
    while (!sawBackingOff && Date.now() < (outageStarted || Date.now()) + OUTAGE_MS) {
      const progress = await handle.query(progressQuery);
      sawBackingOff = progress.state === 'backing-off';
      lastError = progress.lastError;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(sawBackingOff).toBe(true);
    expect(lastError).toContain('503');

    const summary = await handle.result();
    expect(summary.status).toBe('completed');
    expect(Date.now() - outageStarted).toBeGreaterThanOrEqual(OUTAGE_MS);
    // Backing off, not hammering: a handful of requests per range over the whole minute.
    expect(requestsDuringOutage).toBeLessThan(60);
    expect((await h.listedCars()).map(normalized)).toEqual(h.sim.dataset.validCars().map(normalized));
  }, 180_000);
});
