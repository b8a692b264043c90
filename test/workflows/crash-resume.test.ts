import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { Pool } from 'pg';
import { loadWorkerConfig } from '../../src/config';
import { migrate } from '../../src/db/migrate';
import { startPostgres } from '../../src/dev/postgres';
import { findOrInstallTemporalCli, startTemporalDevServer, type TemporalDevServerOptions } from '../../src/dev/temporal';
import { createSimulator, type Simulator } from '../../src/simulator/server';
import type { SyncSummary } from '../../src/sync-types';
import { buildWorker, type RunningWorker } from '../../src/worker';
import { migratedDatabase as copyOfTemplate, testTemporalAddress } from '../helpers/servers';
import { normalized, selectCars } from '../helpers/sync-harness';
import { freePort, spawnWorker, testWorkflowBundle, type WorkerProcess } from '../helpers/worker-process';
import { containsText } from '../helpers/history';
import { cleanupAfterEach } from '../helpers/cleanup';

/** Small pages over 20,000 cars answered in 30 ms each: a run of a couple hundred pages that lasts seconds. */
const CARS = 20_000;
const PAGE_SIZE = 100;
const LATENCY_MS = 30;
/** Ranges in flight, so at most this many pages are in flight when something dies. */
const CONCURRENCY = 8;
/** Distinctive, so that finding it anywhere it must not be is unambiguous. */
const API_KEY = 'sim-key-SECRET-4242';

/** Undone in reverse order after the test, whether it passed or not. */
const defer = cleanupAfterEach();

/** Counts listing requests and how often each page (one `after_id`/`max_id` pair) was fetched. */
function trackRequests(sim: Simulator) {
  let requests = 0;
  const fetches = new Map<string, number>();
  const waiters: { n: number; resolve: () => void }[] = [];
  sim.onRequest((query) => {
    requests++;
    // Planning asks for single records; pages are the run's `per_page`.
    if (query.perPage === PAGE_SIZE) {
      const page = `${query.makes?.join(',') ?? 'all'}:${query.afterId}..${query.maxId}`;
      fetches.set(page, (fetches.get(page) ?? 0) + 1);
    }
    for (const waiter of waiters.filter((w) => requests >= w.n)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  return {
    get requests() {
      return requests;
    },
    fetches,
    /** Resolves once `n` listing requests have reached the simulator. */
    reached: (n: number) => new Promise<void>((resolve) => (requests >= n ? resolve() : waiters.push({ n, resolve }))),
    refetchedPages: () => [...fetches].filter(([, count]) => count > 1).map(([page]) => page),
  };
}

/** `promise`, unless the worker dies first: a dead worker would otherwise show up only as a test timeout. */
function unlessWorkerDies<T>(promise: Promise<T>, worker: WorkerProcess | (RunningWorker & { done: Promise<void> })): Promise<T> {
  const died =
    'exited' in worker
      ? worker.exited.then(({ code, signal }) => {
          throw new Error(`worker ${worker.pid} exited (${code ?? signal}) unexpectedly:\n${worker.output()}`);
        })
      : worker.done.then(
          () => {
            throw new Error('the in-process worker stopped unexpectedly');
          },
          (err: unknown) => {
            throw new Error(`the in-process worker failed: ${err instanceof Error ? err.message : String(err)}`);
          },
        );
  return Promise.race([promise, died]);
}

async function expectExactMirror(pool: Pool, sim: Simulator): Promise<void> {
  expect((await selectCars(pool, 'WHERE removed_at IS NULL')).map(normalized)).toEqual(sim.dataset.validCars().map(normalized));
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM car_rejects');
  expect(rows[0].n).toBe(sim.dataset.invalidRecords().length);
}

/** Resolves as soon as another client of the pool's database is inside a statement or transaction. */
async function untilQueryInFlight(pool: Pool): Promise<void> {
  for (;;) {
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`,
    );
    if (rows[0].n > 0) return;
  }
}

async function simulator(seed: number): Promise<Simulator> {
  const sim = await createSimulator({ seed, size: CARS, latencyMs: LATENCY_MS, apiKey: API_KEY });
  defer(() => sim.close());
  return sim;
}

async function migratedDatabase(label: string): Promise<{ url: string; pool: Pool }> {
  const db = await copyOfTemplate(label);
  defer(() => db.drop());
  const pool = new Pool({ connectionString: db.url, max: 2 });
  // pool.end() resolves before its connections have closed, and the drop (WITH FORCE) may end one of them.
  pool.on('error', () => undefined);
  defer(() => pool.end());
  return { url: db.url, pool };
}

async function temporalClient(address: string): Promise<Client> {
  const connection = await Connection.connect({ address });
  defer(() => connection.close());
  return new Client({ connection });
}

/** What `npm run worker` reads, for one test's servers and task queue. */
function workerEnv(temporalAddress: string, databaseUrl: string, sim: Simulator): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: `carsync-crash-${randomUUID()}`,
    DATABASE_URL: databaseUrl,
    CARS_API_URL: sim.url,
    CARS_API_KEY: API_KEY,
    CARSYNC_PAGE_SIZE: String(PAGE_SIZE),
    CARSYNC_CONCURRENCY: String(CONCURRENCY),
    CARSYNC_LOG_LEVEL: 'WARN',
    // Workers of other tests may run at the same time: none of them may claim the default metrics port.
    CARSYNC_METRICS_PORT: '0',
  };
}

function workerProcess(env: Record<string, string>): WorkerProcess {
  const worker = spawnWorker(env);
  defer(() => worker.kill());
  return worker;
}

/** A worker in this process, built exactly as `npm run worker` builds it, but for the workflow bundle. */
async function inProcessWorker(env: Record<string, string>): Promise<RunningWorker & { done: Promise<void> }> {
  const built = await buildWorker(loadWorkerConfig(env), { workflowBundle: await testWorkflowBundle() });
  const worker = { ...built, done: built.run() };
  defer(async () => {
    if (worker.worker.getState() === 'RUNNING') worker.worker.shutdown();
    await worker.done;
  });
  return worker;
}

async function startSync(client: Client, taskQueue: string): Promise<WorkflowHandleWithFirstExecutionRunId> {
  const handle = await client.workflow.start('SyncCarsWorkflow', { taskQueue, workflowId: `crash-resume-${randomUUID()}`, args: [{}] });
  // A test that fails part way must not leave its run polling for a result over a closed connection.
  defer(() => handle.terminate().catch(() => undefined));
  return handle;
}

describe('a full sync survives crashes and restarts', () => {
  it('kill -9 the worker twice: the next worker resumes, refetches only the pages in flight, and the mirror is exact', async () => {
    const sim = await simulator(61);
    const { url, pool } = await migratedDatabase('crash_resume_kill');
    const client = await temporalClient(testTemporalAddress());
    const env = workerEnv(testTemporalAddress(), url, sim);
    const tracker = trackRequests(sim);

    const workers = [workerProcess(env)];
    const handle = await startSync(client, env.TEMPORAL_TASK_QUEUE);
    // The first crash early in the run, the second once the second worker has done a good share of it.
    for (const killAt of [40, 110]) {
      await unlessWorkerDies(tracker.reached(killAt), workers[workers.length - 1]);
      await workers[workers.length - 1].kill();
      workers.push(workerProcess(env));
    }
    const worker = workers[workers.length - 1];
    const summary = (await unlessWorkerDies(handle.result(), worker)) as SyncSummary;

    expect(summary.status).toBe('completed');
    await expectExactMirror(pool, sim);
    // Every page once in the result; each kill costs at most the pages then in flight (the one whose
    // request triggered the kill among them), plus a little slack for a page finished but not yet reported.
    expect(tracker.fetches.size).toBe(summary.pages);
    const refetched = tracker.refetchedPages();
    expect(refetched.length).toBeGreaterThanOrEqual(2);
    expect(refetched.length).toBeLessThanOrEqual(2 * CONCURRENCY + 2);
    expect(tracker.requests).toBeGreaterThan(110);

    for (const w of workers) expect(w.output()).not.toContain(API_KEY);
    const parent = await handle.fetchHistory();
    const children = await Promise.all(
      (parent.events ?? [])
        .map((event) => event.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId)
        .filter((id): id is string => !!id)
        .map((id) => client.workflow.getHandle(id).fetchHistory()),
    );
    expect(children).toHaveLength(summary.ranges);
    // Payloads are bytes: the search must reach them, as the page inputs in the children's histories show.
    expect(containsText(children, '"afterId"')).toBe(true);
    expect(containsText([parent, children], API_KEY)).toBe(false);
  });

  it('Temporal server restarts mid-run: the worker reconnects and the run completes exact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'carsync-temporal-restart-'));
    defer(async () => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    let starts = 0;
    const serverOptions = async (): Promise<TemporalDevServerOptions> => ({
      cliPath: await findOrInstallTemporalCli(),
      port,
      headless: true,
      // On disk, so that the run outlives the server's process.
      dbFile: join(dir, 'temporal.db'),
      logFile: join(dir, `temporal-${++starts}.log`),
    });
    let server = await startTemporalDevServer(await serverOptions());
    defer(() => server.stop());

    const sim = await simulator(62);
    const { url, pool } = await migratedDatabase('crash_resume_temporal');
    const env = workerEnv(server.address, url, sim);
    const worker = await inProcessWorker(env);
    const client = await temporalClient(server.address);
    const tracker = trackRequests(sim);

    const handle = await startSync(client, env.TEMPORAL_TASK_QUEUE);
    await unlessWorkerDies(tracker.reached(40), worker);
    await server.stop();
    await sleep(2_000);
    server = await startTemporalDevServer(await serverOptions());
    const atRestart = tracker.requests;
    const summary = (await unlessWorkerDies(handle.result(), worker)) as SyncSummary;

    expect(summary.status).toBe('completed');
    await expectExactMirror(pool, sim);
    // The run was really cut in two: most of its pages were fetched after the server came back.
    expect(tracker.requests - atRestart).toBeGreaterThan(50);
    expect(tracker.fetches.size).toBe(summary.pages);
  });

  const external = process.env.DATABASE_URL;
  const skipped = external ? ' (SKIPPED: DATABASE_URL is set, so startPostgres would return that server, which this test must not restart)' : '';
  (external ? it.skip : it)(
    `PostgreSQL restarts mid-run: the worker survives, pages retry until the database is back, and the run completes exact${skipped}`,
    async () => {
      // PostgreSQL runs as the `postgres` user when the tests run as root: it must be able to enter the directory.
      const dir = mkdtempSync(join(tmpdir(), 'carsync-pg-restart-'));
      chmodSync(dir, 0o755);
      defer(async () => rmSync(dir, { recursive: true, force: true }));
      const pgOptions = { dataDir: join(dir, 'cluster'), port: await freePort(), persistent: true };
      let pg = await startPostgres(pgOptions);
      defer(() => pg.stop());
      const pool = new Pool({ connectionString: pg.url, max: 2 });
      // The restart drops this pool's idle connections too; the next query opens new ones.
      pool.on('error', () => undefined);
      defer(() => pool.end());
      await migrate(pool);

      const sim = await simulator(63);
      const env = workerEnv(testTemporalAddress(), pg.url, sim);
      // A real worker process, because what must not happen is that a database restart takes it down.
      const worker = workerProcess(env);
      const client = await temporalClient(testTemporalAddress());
      const tracker = trackRequests(sim);

      const handle = await startSync(client, env.TEMPORAL_TASK_QUEUE);
      await unlessWorkerDies(tracker.reached(40), worker);
      // The hardest moment: while the worker is inside a statement or transaction, not between pages.
      await unlessWorkerDies(untilQueryInFlight(pool), worker);
      await pg.stop();
      await sleep(2_000);
      pg = await startPostgres(pgOptions);
      const atRestart = tracker.requests;
      const summary = (await unlessWorkerDies(handle.result(), worker)) as SyncSummary;

      expect(summary.status).toBe('completed');
      expect(summary.retries).toBeGreaterThan(0);
      await expectExactMirror(pool, sim);
      expect(tracker.requests - atRestart).toBeGreaterThan(50);
      expect(tracker.fetches.size).toBe(summary.pages);
    },
  );
});
