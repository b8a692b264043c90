import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { DefaultLogger, Runtime, type WorkerOptions } from '@temporalio/worker';
import { Pool, types } from 'pg';
import type { Car } from '../../src/car';
import { loadWorkerConfig } from '../../src/config';
import { createSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/server';
import type { SyncInput, SyncSummary } from '../../src/sync-types';
import { buildWorker, type RunningWorker } from '../../src/worker';
import { migratedDatabase, testTemporalAddress } from './servers';
import { waitFor } from './wait';
import { spawnWorker, testWorkflowBundle, type WorkerProcess } from './worker-process';

// Worker chatter, and the warnings of the retries these tests provoke on purpose, would bury the output.
try {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  // Already installed by an earlier test file in this process.
}

// Car ids and counts are well inside Number's safe range.
types.setTypeParser(types.builtins.INT8, Number);

/** The workflow bundle, built once per test run (test/global-setup.ts) and shared by every test file through a temp file. */
export async function workflowBundle(): Promise<{ code: string }> {
  const { code } = await testWorkflowBundle();
  return { code };
}

export interface HarnessOptions {
  simulator?: SimulatorOptions;
  /** Extra worker environment (tuning, timeouts). */
  env?: Record<string, string>;
  /** A Temporal server of the test's own instead of the run's (one configured differently). */
  temporalAddress?: string;
}

export interface WorkerPlacement {
  /** Poll this task queue (another worker's too) rather than one of its own. */
  taskQueue?: string;
  /** Run this workflow code (a recorded release's bundle) rather than the current code. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export interface TestWorker {
  taskQueue: string;
  worker: RunningWorker & { done: Promise<void> };
  start(input?: SyncInput, workflowId?: string): Promise<WorkflowHandleWithFirstExecutionRunId>;
  sync(input?: SyncInput): Promise<SyncSummary>;
  close(): Promise<void>;
}

export interface Harness {
  sim: Simulator;
  pool: Pool;
  client: Client;
  taskQueue: string;
  databaseUrl: string;
  start(input?: SyncInput, workflowId?: string): Promise<WorkflowHandleWithFirstExecutionRunId>;
  sync(input?: SyncInput): Promise<SyncSummary>;
  startWorkerWith(env?: Record<string, string>, placement?: WorkerPlacement): Promise<TestWorker>;
  listedCars(): Promise<Car[]>;
  close(): Promise<void>;
}

export interface ServersOptions {
  /** Names the test's database, to tell it apart among the server's. */
  label?: string;
  simulator?: SimulatorOptions;
  /** Connections of the test's own pool. */
  poolSize?: number;
  /** A Temporal server of the test's own instead of this Jest worker's. */
  temporalAddress?: string;
}

/** The servers a sync runs against, for one test: its own simulator and database, and a client of this Jest worker's Temporal. */
export interface Servers {
  sim: Simulator;
  /** A copy of the migrated template. */
  databaseUrl: string;
  pool: Pool;
  client: Client;
  temporalAddress: string;
  /** Closes the client, the simulator and the pool, and drops the database. */
  close(): Promise<void>;
}

/** A simulator, a migrated database of the test's own with a pool on it, and a Temporal client. */
export async function startServers(options: ServersOptions = {}): Promise<Servers> {
  const closers: (() => Promise<unknown>)[] = [];
  const close = async (): Promise<void> => {
    for (let undo = closers.pop(); undo; undo = closers.pop()) await undo();
  };
  try {
    const sim = await createSimulator({ seed: 7, size: 2_000, ...options.simulator });
    closers.push(() => sim.close());
    const db = await migratedDatabase(options.label);
    closers.push(() => db.drop());
    const pool = new Pool({ connectionString: db.url, max: options.poolSize ?? 2 });
    // pool.end() resolves before its connections have closed, and the drop (WITH FORCE) may end one of them.
    pool.on('error', () => undefined);
    closers.push(() => pool.end());
    const temporalAddress = options.temporalAddress ?? testTemporalAddress();
    const connection = await Connection.connect({ address: temporalAddress });
    closers.push(() => connection.close());
    return { sim, databaseUrl: db.url, pool, client: new Client({ connection }), temporalAddress, close };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}

/** A fresh database, a simulator, a worker on its own task queue and a client: the real servers, end to end. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const servers = await startServers({ simulator: options.simulator, poolSize: 4, temporalAddress: options.temporalAddress });
  const { sim, pool, client, temporalAddress: address, databaseUrl } = servers;
  const bundle = await workflowBundle();
  const workers: (RunningWorker & { done: Promise<void> })[] = [];

  /** A worker on a task queue of its own, configured like the harness's but for `env` (and `placement`). */
  const workerWith = async (env: Record<string, string> = {}, placement: WorkerPlacement = {}): Promise<TestWorker> => {
    const taskQueue = placement.taskQueue ?? `carsync-test-${randomUUID()}`;
    const config = loadWorkerConfig({
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      DATABASE_URL: databaseUrl,
      CARS_API_URL: sim.url,
      CARS_API_KEY: 'sim-key',
      CARSYNC_HTTP_TIMEOUT_MS: '5000',
      ...options.env,
      ...env,
    });
    const built = await buildWorker(config, { workflowBundle: placement.workflowBundle ?? bundle });
    const running = { ...built, done: built.run() };
    workers.push(running);
    const start = (input: SyncInput = {}, workflowId = `sync-${randomUUID()}`) =>
      client.workflow.start('SyncCarsWorkflow', { taskQueue, workflowId, args: [input] });
    return {
      taskQueue,
      worker: running,
      start,
      sync: async (input) => (await start(input)).result() as Promise<SyncSummary>,
      close: async () => {
        if (running.worker.getState() === 'RUNNING') running.worker.shutdown();
        await running.done;
      },
    };
  };
  const main = await workerWith().catch(async (err: unknown) => {
    await servers.close();
    throw err;
  });

  return {
    sim,
    pool,
    client,
    taskQueue: main.taskQueue,
    databaseUrl,
    start: main.start,
    sync: main.sync,
    startWorkerWith: workerWith,
    listedCars: () => selectCars(pool, 'WHERE removed_at IS NULL'),
    close: async () => {
      for (const w of workers) if (w.worker.getState() === 'RUNNING') w.worker.shutdown();
      await Promise.allSettled(workers.map((w) => w.done));
      await servers.close();
    },
  };
}

/**
 * Resolves once no activity of a paused run is pending: every range has stopped (cancelled, or found
 * the run paused), including activities a killed worker left behind, which are retried after their
 * heartbeat timeout. From then on, only a resume makes requests.
 */
export async function untilAtRest(client: Client, handle: WorkflowHandle): Promise<void> {
  await waitFor(
    `run ${handle.workflowId} to be at rest`,
    async () => {
      const events = (await handle.fetchHistory()).events ?? [];
      const children = events.map((e) => e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId).filter((id): id is string => !!id);
      const descriptions = await Promise.all([handle, ...children.map((id) => client.workflow.getHandle(id))].map((h) => h.describe()));
      const pending = descriptions.filter((d) => d.status.name === 'RUNNING').reduce((n, d) => n + (d.raw.pendingActivities?.length ?? 0), 0);
      return pending === 0;
    },
    { everyMs: 200 },
  );
}

/** Rows of `cars` as Car records, in id order, so a test can compare them with the simulator's. */
export async function selectCars(pool: Pool, where = ''): Promise<Car[]> {
  const { rows } = await pool.query(
    `SELECT id, make, model, "trim", year, price, currency, mileage_km, fuel, transmission, color, body_type, vin,
            location, lot_number, images, status, listed_at, source_updated_at AS updated_at
     FROM cars ${where} ORDER BY id`,
  );
  return rows.map((row) => ({ ...row, listed_at: row.listed_at.toISOString(), updated_at: row.updated_at.toISOString() }));
}

/** A Car with its timestamps normalised, so RFC 3339 texts with different offsets compare by instant. */
export function normalized(car: Car): Car {
  return { ...car, listed_at: new Date(car.listed_at).toISOString(), updated_at: new Date(car.updated_at).toISOString() };
}

/** A worker process of its own (`npm run worker`, as an operator runs it) on a new task queue, against the harness's servers. */
export function spawnHarnessWorker(h: Harness, label: string, env: Record<string, string>): { worker: WorkerProcess; taskQueue: string } {
  const taskQueue = `carsync-${label}-${randomUUID()}`;
  const worker = spawnWorker({
    TEMPORAL_ADDRESS: testTemporalAddress(),
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATABASE_URL: h.databaseUrl,
    CARS_API_URL: h.sim.url,
    CARSYNC_METRICS_PORT: '0',
    ...env,
  });
  return { worker, taskQueue };
}
