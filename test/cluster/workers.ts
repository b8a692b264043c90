import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { Pool } from 'pg';
import { migrate } from '../../src/db/migrate';
import { createSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/server';
import { metricValue, scrapeMetrics } from '../helpers/metrics';
import { freshDatabase, testTemporalAddress } from '../helpers/servers';
import { normalized, selectCars } from '../helpers/sync-harness';
import { freePort, spawnWorker, testWorkflowBundle, type WorkerProcess } from '../helpers/worker-process';

/** The tier's deployment shape: this many worker processes on one task queue. */
export const WORKERS = 3;
const API_KEY = 'sim-key-cluster';

export interface ClusterWorker {
  process: WorkerProcess;
  metricsPort: number;
}

export interface ClusterSetup {
  sim: Simulator;
  pool: Pool;
  databaseUrl: string;
  client: Client;
  taskQueue: string;
  workers: ClusterWorker[];
}

/**
 * A simulator, a fresh database and WORKERS worker processes on a task queue of their own, polling
 * `address` (the tier's cluster unless given). `defer` undoes each step after the test.
 */
export async function startClusterSetup(
  defer: (undo: () => Promise<unknown>) => void,
  { simulator, env = {}, address = testTemporalAddress() }: { simulator: SimulatorOptions; env?: Record<string, string>; address?: string },
): Promise<ClusterSetup> {
  const sim = await createSimulator({ apiKey: API_KEY, ...simulator });
  defer(() => sim.close());
  const db = await freshDatabase('cluster');
  defer(() => db.drop());
  const pool = new Pool({ connectionString: db.url, max: 2 });
  defer(() => pool.end());
  await migrate(pool);
  const connection = await Connection.connect({ address });
  defer(() => connection.close());
  const taskQueue = `carsync-cluster-${randomUUID()}`;
  const bundle = await testWorkflowBundle();
  const workers: ClusterWorker[] = [];
  for (let i = 0; i < WORKERS; i++) {
    const metricsPort = await freePort();
    const worker = spawnWorker({
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      DATABASE_URL: db.url,
      CARS_API_URL: sim.url,
      CARS_API_KEY: API_KEY,
      CARSYNC_LOG_LEVEL: 'WARN',
      CARSYNC_METRICS_PORT: String(metricsPort),
      // Each process loads the one prebuilt bundle instead of running webpack at start-up.
      CARSYNC_WORKFLOW_BUNDLE: bundle.codePath,
      ...env,
    });
    defer(() => worker.kill());
    workers.push({ process: worker, metricsPort });
  }
  // A run starts only once all of them poll, so that all can take part.
  await unlessAnyWorkerDies(Promise.all(workers.map((w) => untilPolling(w))), workers);
  return { sim, pool, databaseUrl: db.url, client: new Client({ connection }), taskQueue, workers };
}

/** `promise`, unless one of `workers` dies first: a dead worker would otherwise show up only as a test timeout. */
export function unlessAnyWorkerDies<T>(promise: Promise<T>, workers: ClusterWorker[]): Promise<T> {
  const deaths = workers.map(({ process: worker }) =>
    worker.exited.then(({ code, signal }) => {
      throw new Error(`worker ${worker.pid} exited (${code ?? signal}) unexpectedly:\n${worker.output()}`);
    }),
  );
  return Promise.race([promise, ...deaths]);
}

/** Resolves once the worker polls for both workflow and activity tasks, by its own metrics. */
async function untilPolling(worker: ClusterWorker, timeoutMs = 90_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(100)) {
    const exposition = await scrapeMetrics(worker.metricsPort).catch(() => ''); // not listening yet
    const pollers = (pollerType: string) => metricValue(exposition, 'temporal_num_pollers', { poller_type: pollerType });
    if (pollers('workflow_task') > 0 && pollers('activity_task') > 0) return;
  }
  throw new Error(`worker ${worker.process.pid} was not polling within ${timeoutMs} ms:\n${worker.process.output()}`);
}

/** Resolves once the simulator has received `n` listing requests (answered or not). */
export function requestsReached(sim: Simulator, n: number): Promise<void> {
  return new Promise((resolve) => {
    if (sim.stats.requests >= n) return resolve();
    const remove = sim.onRequest(() => {
      if (sim.stats.requests >= n) {
        remove();
        resolve();
      }
    });
  });
}

/** Every valid upstream car is in `cars` as served, listed, and every invalid record is in `car_rejects`. */
export async function expectExactMirror(pool: Pool, sim: Simulator): Promise<void> {
  const stored = (await selectCars(pool, 'WHERE removed_at IS NULL')).map(normalized);
  const served = sim.dataset.validCars().map(normalized);
  // Jest's deep equality takes tens of seconds over 200,000 cars: texts with one key order compare in
  // well under one, and the deep comparison runs only to show a difference.
  const keys = Object.keys(served[0] ?? {}).sort();
  if (JSON.stringify(stored, keys) !== JSON.stringify(served, keys)) expect(stored).toEqual(served);
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM car_rejects');
  expect(rows[0].n).toBe(sim.dataset.invalidRecords().length);
}

/** The longest pause between upstream requests that ended within [from, to) (epoch ms): how long a fault stalled the run. */
export function stallBetween(sim: Simulator, from: number, to: number): number {
  const times = sim.stats.requestTimes;
  let longest = 0;
  for (let i = 1; i < times.length; i++) if (times[i] > from && times[i] <= to) longest = Math.max(longest, times[i] - times[i - 1]);
  return longest;
}
