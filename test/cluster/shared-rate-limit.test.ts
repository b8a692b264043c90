import { randomUUID } from 'node:crypto';
import type { SyncSummary } from '../../src/sync-types';
import { cleanupAfterEach } from '../helpers/cleanup';
import { expectExactMirror, startClusterSetup, unlessAnyWorkerDies } from './workers';

/**
 * 200 pages of 100 at 20 requests per second: about 10 s of requests shared by three processes, against
 * an upstream that allows 20 a second in its own one-second windows and refuses any request over that.
 */
const CARS = 20_000;
const PAGE_SIZE = 100;
const BUDGET = 20;

const defer = cleanupAfterEach();

describe('the request budget on a real cluster', () => {
  it('three worker processes together never send the upstream more than the budget in any second', async () => {
    const { sim, pool, client, taskQueue, workers } = await startClusterSetup(defer, {
      simulator: { seed: 142, size: CARS, latencyMs: 20, rateLimit: BUDGET },
      env: { CARSYNC_PAGE_SIZE: String(PAGE_SIZE) },
    });
    const handle = await client.workflow.start('SyncCarsWorkflow', {
      taskQueue,
      workflowId: `cluster-budget-${randomUUID()}`,
      args: [{ requestsPerSecond: BUDGET }],
    });
    defer(() => handle.terminate().catch(() => undefined));

    const summary = (await unlessAnyWorkerDies(handle.result(), workers)) as SyncSummary;
    const refused = sim.stats.byStatus[429] ?? 0;
    console.log(
      `cluster budget: ${sim.stats.requests} requests in ${summary.durationSeconds} s, ${refused} over the upstream's ${BUDGET} a second; ` +
        `at most ${sim.stats.maxRequestsInAnyWindow(1000)} in any sliding 1 s span`,
    );

    expect(summary.status).toBe('completed');
    // The upstream counted no second with more than the budget: it refuses exactly those requests.
    expect(refused).toBe(0);
    await expectExactMirror(pool, sim);
  });
});
