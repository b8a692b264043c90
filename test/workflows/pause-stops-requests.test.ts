import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { Simulator } from '../../src/simulator/server';
import type { SyncSummary } from '../../src/sync-types';
import { pauseSignal, progressQuery, resumeSignal } from '../../src/workflows/messages';
import { cleanupAfterEach } from '../helpers/cleanup';
import { normalized, selectCars, startServers, untilAtRest } from '../helpers/sync-harness';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process';

/**
 * A run with a request budget, so that most of its lanes wait for their rate-limit slot at any moment:
 * the requests that used to reach the upstream seconds after a pause.
 */
const RUN_INPUT = { requestsPerSecond: 20 };
const defer = cleanupAfterEach();

async function setUp(label: string, seed: number) {
  const servers = await startServers({ label, simulator: { seed, size: 12_000, latencyMs: 30 } });
  defer(() => servers.close());
  const { sim, pool, client } = servers;
  const env = {
    TEMPORAL_ADDRESS: servers.temporalAddress,
    TEMPORAL_TASK_QUEUE: `carsync-pause-${randomUUID()}`,
    DATABASE_URL: servers.databaseUrl,
    CARS_API_URL: sim.url,
    CARS_API_KEY: 'sim-key',
    CARSYNC_PAGE_SIZE: '100',
    CARSYNC_CONCURRENCY: '8',
    CARSYNC_LOG_LEVEL: 'WARN',
    CARSYNC_METRICS_PORT: '0',
  };
  const worker = () => {
    const process = spawnWorker(env);
    defer(() => process.kill());
    return process;
  };
  const start = async () => {
    const handle = await client.workflow.start('SyncCarsWorkflow', {
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      workflowId: `pause-${randomUUID()}`,
      args: [RUN_INPUT],
    });
    defer(() => handle.terminate().catch(() => undefined));
    return handle;
  };
  return { sim, pool, client, worker, start };
}

/** Resolves once the simulator has received `n` listing requests. */
function requestsReached(sim: Simulator, n: number): Promise<void> {
  return new Promise((resolve) => {
    if (sim.stats.requests >= n) return resolve();
    sim.onRequest(() => void (sim.stats.requests >= n - 1 && resolve()));
  });
}

/** When the run's pause was recorded (epoch ms, the database's clock on this host), once it is. */
async function pauseRecordedAt(pool: Pool, runId: string): Promise<number> {
  for (;;) {
    const { rows } = await pool.query('SELECT extract(epoch FROM recorded_at) * 1000 AS at FROM sync_run_pauses WHERE run_id = $1 AND paused', [runId]);
    if (rows.length) return Number(rows[0].at);
  }
}

async function expectExactMirror(pool: Pool, sim: Simulator): Promise<void> {
  expect((await selectCars(pool, 'WHERE removed_at IS NULL')).map(normalized)).toEqual(sim.dataset.validCars().map(normalized));
}

describe('once a run has recorded a pause, no upstream request starts', () => {
  it('from 1 s after the record on, the upstream sees no request, though lanes were waiting for their slots; resumed, the run ends exact', async () => {
    const { sim, pool, client, worker, start } = await setUp('pause_requests', 141);
    const running = worker();
    const handle = await start();
    await requestsReached(sim, 30);
    await handle.signal(pauseSignal);
    const recordedAt = await pauseRecordedAt(pool, handle.firstExecutionRunId);
    await untilAtRest(client, handle);

    expect(sim.stats.requestTimes.filter((t) => t >= recordedAt + 1000)).toEqual([]);
    expect((await handle.query(progressQuery)).state).toBe('paused');
    await handle.signal(resumeSignal);
    expect(((await handle.result()) as SyncSummary).status).toBe('completed');
    await expectExactMirror(pool, sim);
    expect(running.output()).not.toMatch(/"level":"ERROR"/);
  });

  it('holds when the worker is killed before the pause and another starts after it', async () => {
    const { sim, pool, client, worker, start } = await setUp('pause_restart', 142);
    const first: WorkerProcess = worker();
    const handle = await start();
    await requestsReached(sim, 30);
    await first.kill();
    await handle.signal(pauseSignal);
    worker();
    const recordedAt = await pauseRecordedAt(pool, handle.firstExecutionRunId);
    await untilAtRest(client, handle);

    expect(sim.stats.requestTimes.filter((t) => t >= recordedAt + 1000)).toEqual([]);
    await handle.signal(resumeSignal);
    expect(((await handle.result()) as SyncSummary).status).toBe('completed');
    await expectExactMirror(pool, sim);
  });
});
