import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTemporalCluster } from '../../src/dev/temporal-cluster';
import type { SyncSummary } from '../../src/sync-types';
import { cleanupAfterEach } from '../helpers/cleanup';
import { testDatabaseUrl } from '../helpers/servers';
import { dropTemporalDatabases, temporalDatabasePrefix } from './temporal-databases';
import { expectExactMirror, requestsReached, stallBetween, startClusterSetup, unlessAnyWorkerDies } from './workers';

/** The figure: 200,000 cars in pages of 1000, about 200 page requests after planning. */
const CARS = 200_000;
/** Requests the simulator has seen at each fault: a quarter and about 60% into the run. */
const KILL_AT = 50;
const RESTART_AT = 130;
/** How long the run's result may stay out of reach while the frontend comes back. */
const RESULT_RETRY_MS = 120_000;

const defer = cleanupAfterEach();

/** The run's result, asked again while the server is briefly unreachable; a failed run still throws. */
async function resultThroughRestarts(handle: WorkflowHandle): Promise<SyncSummary> {
  for (const deadline = Date.now() + RESULT_RETRY_MS; ; await sleep(500)) {
    try {
      return (await handle.result()) as SyncSummary;
    } catch (err) {
      if (err instanceof WorkflowFailedError || Date.now() > deadline) throw err;
    }
  }
}

describe('a real cluster survives a worker kill and a server restart', () => {
  it('a 200,000-car full sync on three workers ends exact through kill -9 of one worker and a restart of every server process', async () => {
    // A cluster of this test's own on the tier's PostgreSQL: the restart must not disturb other files.
    const databasePrefix = temporalDatabasePrefix();
    defer(() => dropTemporalDatabases(databasePrefix));
    const cluster = await startTemporalCluster({ postgresUrl: testDatabaseUrl(), databasePrefix });
    defer(() => cluster.stop());
    const { sim, pool, client, taskQueue, workers } = await startClusterSetup(defer, { simulator: { seed: 141, size: CARS }, address: cluster.address });

    const startedAt = Date.now();
    const handle = await client.workflow.start('SyncCarsWorkflow', { taskQueue, workflowId: `cluster-faults-${randomUUID()}`, args: [{}] });
    defer(() => handle.terminate().catch(() => undefined));

    await unlessAnyWorkerDies(requestsReached(sim, KILL_AT), workers);
    const [victim, ...survivors] = workers;
    const killedAt = Date.now();
    await victim.process.kill();

    await unlessAnyWorkerDies(requestsReached(sim, RESTART_AT), survivors);
    const restartedAt = Date.now();
    await cluster.restart();
    const servingAgainAt = Date.now();

    const summary = await unlessAnyWorkerDies(resultThroughRestarts(handle), survivors);
    const endedAt = Date.now();
    console.log(
      `cluster faults: ${CARS} cars in ${((endedAt - startedAt) / 1000).toFixed(1)} s (${Math.round(summary.carsSeen / ((endedAt - startedAt) / 1000))} cars/s), ` +
        `${summary.pages} pages, ${summary.retries} retries, ${sim.stats.requests} requests; ` +
        `worker kill -9 at ${((killedAt - startedAt) / 1000).toFixed(1)} s: longest request gap ${stallBetween(sim, killedAt, restartedAt)} ms; ` +
        `server restart at ${((restartedAt - startedAt) / 1000).toFixed(1)} s: serving again after ${servingAgainAt - restartedAt} ms, ` +
        `longest request gap ${stallBetween(sim, restartedAt, endedAt)} ms`,
    );

    expect(summary.status).toBe('completed');
    expect(summary.carsSeen).toBeGreaterThanOrEqual(CARS);
    await expectExactMirror(pool, sim);
  });
});
