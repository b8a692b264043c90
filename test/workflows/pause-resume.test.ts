import { progressQuery, pauseSignal, resumeSignal } from '../../src/workflows/messages';
import { normalized, startHarness, type Harness } from '../helpers/sync-harness';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('pause and resume', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 71, size: 6_000, latencyMs: 30 }, env: { CARSYNC_PAGE_SIZE: '100', CARSYNC_CONCURRENCY: '2' } });
  });
  afterAll(() => h?.close());

  it('starts no upstream request while paused, reports paused, and completes exact after resume', async () => {
    const handle = await h.start();
    while (h.sim.stats.requests < 10) await sleep(50);
    await handle.signal(pauseSignal);
    await sleep(500);
    expect((await handle.query(progressQuery)).state).toBe('paused');
    // In-flight pages finish (on a loaded machine that can take a while); then nothing new starts.
    let before = -1;
    for (let waited = 0; h.sim.stats.requests !== before && waited < 15_000; waited += 1_000) {
      before = h.sim.stats.requests;
      await sleep(1_000);
    }
    await sleep(5_000);
    expect(h.sim.stats.requests).toBe(before);
    expect((await handle.query(progressQuery)).state).toBe('paused');

    await handle.signal(resumeSignal);
    const summary = await handle.result();
    expect(summary.status).toBe('completed');
    expect(h.sim.stats.requests).toBeGreaterThan(before);
    expect((await h.listedCars()).map(normalized)).toEqual(h.sim.dataset.validCars().map(normalized));
  });
});
