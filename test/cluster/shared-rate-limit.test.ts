import { randomUUID } from 'node:crypto';
import type { SyncSummary } from '../../src/sync-types';
import { cleanupAfterEach } from '../helpers/cleanup';
import { expectExactMirror, startClusterSetup, unlessAnyWorkerDies } from './workers';

/** 200 pages of 100 at 20 requests per second: about 10 s of requests shared by three processes. */
const CARS = 20_000;
const PAGE_SIZE = 100;
const BUDGET = 20;

const defer = cleanupAfterEach();

describe('the request budget on a real cluster', () => {
  it('three worker processes together never send the upstream more than the budget in any second', async () => {
    const { sim, pool, client, taskQueue, workers } = await startClusterSetup(defer, {
      simulator: { seed: 142, size: CARS, latencyMs: 20 },
      env: { CARSYNC_PAGE_SIZE: String(PAGE_SIZE) },
    });
    const handle = await client.workflow.start('SyncCarsWorkflow', {
      taskQueue,
      workflowId: `cluster-budget-${randomUUID()}`,
      args: [{ requestsPerSecond: BUDGET }],
    });
    defer(() => handle.terminate().catch(() => undefined));

    const summary = (await unlessAnyWorkerDies(handle.result(), workers)) as SyncSummary;
    const maxPerSecond = sim.stats.maxRequestsInAnyWindow(1000);
    console.log(`cluster budget: ${sim.stats.requests} requests, max ${maxPerSecond} in any 1 s window (budget ${BUDGET}), ${summary.durationSeconds} s`);

    expect(summary.status).toBe('completed');
    expect(maxPerSecond).toBeLessThanOrEqual(BUDGET);
    await expectExactMirror(pool, sim);
  });
});
