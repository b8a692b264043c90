import { progressQuery, pauseSignal, resumeSignal } from '../../src/workflows/messages';
import { normalized, startHarness, untilAtRest, type Harness } from '../helpers/sync-harness';
import { waitFor } from '../helpers/wait';

describe('pause and resume', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 71, size: 6_000, latencyMs: 30 }, env: { CARSYNC_PAGE_SIZE: '100', CARSYNC_CONCURRENCY: '2' } });
  });
  afterAll(() => h?.close());

  it('starts no upstream request while paused, reports paused, and completes exact after resume', async () => {
    const handle = await h.start();
    await waitFor('10 upstream requests', () => h.sim.stats.requests >= 10);
    await handle.signal(pauseSignal);
    await waitFor('the run to report paused', async () => (await handle.query(progressQuery)).state === 'paused');
    // In-flight pages finish (on a loaded machine that can take a while); then nothing new starts.
    await untilAtRest(h.client, handle);
    const before = h.sim.stats.requests;
    expect((await handle.query(progressQuery)).state).toBe('paused');
    // A round trip through the workflow and its ranges: still nothing pending, and no request since.
    await untilAtRest(h.client, handle);
    expect(h.sim.stats.requests).toBe(before);

    await handle.signal(resumeSignal);
    const summary = await handle.result();
    expect(summary.status).toBe('completed');
    expect(h.sim.stats.requests).toBeGreaterThan(before);
    expect((await h.listedCars()).map(normalized)).toEqual(h.sim.dataset.validCars().map(normalized));
  });
});
