import { randomUUID } from 'node:crypto';
import { findOrInstallTemporalCli, startTemporalDevServer } from '../../src/dev/temporal';
import type { SyncSummary } from '../../src/sync-types';
import { cleanupAfterEach } from '../helpers/cleanup';
import { testTemporalAddress } from '../helpers/servers';
import { startClusterSetup, unlessAnyWorkerDies } from './workers';

const CARS = 200_000;

const defer = cleanupAfterEach();

/** A clean full sync of CARS cars by three worker processes on the Temporal at `address`; wall time from start to result. */
async function timedSync(address: string): Promise<{ wallSeconds: number; carsPerSecond: number }> {
  const { sim, pool, client, taskQueue, workers } = await startClusterSetup(defer, { simulator: { seed: 145, size: CARS }, address });
  const startedAt = Date.now();
  const handle = await client.workflow.start('SyncCarsWorkflow', { taskQueue, workflowId: `cluster-throughput-${randomUUID()}`, args: [{}] });
  defer(() => handle.terminate().catch(() => undefined));
  const summary = (await unlessAnyWorkerDies(handle.result(), workers)) as SyncSummary;
  const wallSeconds = (Date.now() - startedAt) / 1000;
  expect(summary.status).toBe('completed');
  // Counts only: the fault test compares a run of this size car by car, and that comparison costs more than the run.
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM cars');
  expect(rows[0].n).toBe(sim.dataset.validCars().length);
  return { wallSeconds, carsPerSecond: Math.round(summary.carsSeen / wallSeconds) };
}

describe('throughput on a real cluster beside the dev server', () => {
  it('a 200,000-car full sync completes with every car on both, timed side by side on the same host', async () => {
    const devServer = await startTemporalDevServer({ cliPath: await findOrInstallTemporalCli(), headless: true });
    defer(() => devServer.stop());

    const cluster = await timedSync(testTemporalAddress());
    const dev = await timedSync(devServer.address);
    console.log(
      `throughput, ${CARS} cars, 3 worker processes: cluster ${cluster.wallSeconds.toFixed(1)} s (${cluster.carsPerSecond} cars/s), ` +
        `dev server ${dev.wallSeconds.toFixed(1)} s (${dev.carsPerSecond} cars/s), cluster/dev wall time ${(cluster.wallSeconds / dev.wallSeconds).toFixed(2)}x`,
    );
  });
});
