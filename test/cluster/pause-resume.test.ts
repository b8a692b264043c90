import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SyncSummary } from '../../src/sync-types';
import { pauseSignal, progressQuery, resumeSignal } from '../../src/workflows/messages';
import { cleanupAfterEach } from '../helpers/cleanup';
import { expectExactMirror, requestsReached, startClusterSetup, unlessAnyWorkerDies } from './workers';

/** Small pages answered in 30 ms: a run of a few hundred requests that a pause can cut in the middle. */
const CARS = 20_000;
const PAGE_SIZE = 100;
const PAUSE_AT = 40;
/** How long the upstream must see nothing before the pause counts as holding: longer than a page activity (about 4 s). */
const QUIET_MS = 6_000;

const defer = cleanupAfterEach();

/** Resolves once no request has reached the simulator for `quietMs`; returns the count then. */
async function untilQuiet(requestTimes: number[], quietMs: number): Promise<number> {
  for (;;) {
    const last = requestTimes.at(-1) ?? 0;
    const wait = last + quietMs - Date.now();
    if (wait <= 0) return requestTimes.length;
    await sleep(wait);
  }
}

describe('pause and resume on a real cluster', () => {
  it('starts no upstream request while paused and completes exact after resume', async () => {
    const { sim, pool, client, taskQueue, workers } = await startClusterSetup(defer, {
      simulator: { seed: 143, size: CARS, latencyMs: 30 },
      env: { CARSYNC_PAGE_SIZE: String(PAGE_SIZE) },
    });
    const handle = await client.workflow.start('SyncCarsWorkflow', { taskQueue, workflowId: `cluster-pause-${randomUUID()}`, args: [{}] });
    defer(() => handle.terminate().catch(() => undefined));

    await unlessAnyWorkerDies(requestsReached(sim, PAUSE_AT), workers);
    await handle.signal(pauseSignal);
    // In-flight pages finish; then nothing new starts.
    const atRest = await untilQuiet(sim.stats.requestTimes, QUIET_MS);
    expect((await handle.query(progressQuery)).state).toBe('paused');
    expect(atRest).toBeLessThan(CARS / PAGE_SIZE);

    await handle.signal(resumeSignal);
    const summary = (await unlessAnyWorkerDies(handle.result(), workers)) as SyncSummary;
    expect(summary.status).toBe('completed');
    expect(sim.stats.requests).toBeGreaterThan(atRest);
    await expectExactMirror(pool, sim);
  });
});
