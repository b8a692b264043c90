import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { Pool } from 'pg';
import { createActivities } from './activities';
import { createCarsApi } from './activities/cars-api';
import { API_LATENCY_BUCKETS_MS, createMetrics } from './activities/metrics';
import { createRateLimiter } from './activities/rate-limiter';
import { ConfigurationError, loadWorkerConfig, temporalConnectionOptions, type WorkerConfig } from './config';
import { pendingMigrations } from './db/migrate';
import { jsonLogger } from './logging';
import { sampleMemory } from './memory-samples';
import { limitWorkflowThread } from './workflow-thread';
import {
  DATABASE_POOL_SIZE,
  MAX_CACHED_WORKFLOWS,
  MAX_CONCURRENT_ACTIVITIES,
  MAX_CONCURRENT_WORKFLOW_TASKS,
  TSX_REQUIRE_HOOK,
  WORKFLOWS_ON_MAIN_THREAD,
} from './worker-settings';

export interface RunningWorker {
  worker: Worker;
  /** Runs until shutdown (SIGINT/SIGTERM or `worker.shutdown()`), then releases every connection. */
  run(): Promise<void>;
}

/** Builds a worker and its dependencies from the configuration. Tests build workers the same way. */
export async function buildWorker(config: WorkerConfig, options: Pick<WorkerOptions, 'workflowBundle'> = {}): Promise<RunningWorker> {
  const pool = new Pool({ connectionString: config.databaseUrl, max: DATABASE_POOL_SIZE });
  // An idle connection dropped by a database restart must not crash the worker; the next query reconnects.
  pool.on('error', (err) => Runtime.instance().logger.warn('idle database connection lost', { error: err.message }));
  // Planning would fail every run against an older schema: the worker takes none instead.
  await requireCurrentSchema(pool).catch(async (err: unknown) => {
    await pool.end();
    throw err;
  });
  const metrics = createMetrics(Runtime.instance().metricMeter);
  const api = createCarsApi({ ...config.api, observe: metrics.request });
  const limiter = createRateLimiter(pool, { advertisedLimit: api.advertisedLimit });
  const connection = await NativeConnection.connect(temporalConnectionOptions(config.temporal));
  let bundleDir: string | undefined;
  const release = async () => {
    await Promise.allSettled([pool.end(), api.close(), connection.close()]);
  };
  try {
    if (!options.workflowBundle) bundleDir = mkdtempSync(join(tmpdir(), 'carsync-workflows-'));
    const workflowBundle = options.workflowBundle ?? { codePath: await bundleInChildProcess(bundleDir!) };
    limitWorkflowThread();
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      workflowBundle,
      activities: createActivities({
        pool,
        api,
        limiter,
        metrics,
        temporal: new Client({ connection, namespace: config.temporal.namespace }),
        defaults: config.tuning,
        retention: config.retention,
      }),
      maxConcurrentActivityTaskExecutions: MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentWorkflowTaskExecutions: MAX_CONCURRENT_WORKFLOW_TASKS,
      maxCachedWorkflows: MAX_CACHED_WORKFLOWS,
      debugMode: WORKFLOWS_ON_MAIN_THREAD,
      // Heartbeats bring a range's pause or retune to its running activity: within a second.
      maxHeartbeatThrottleInterval: '1 second',
      // A workflow task waiting on a dead worker's sticky queue goes to the shared queue after this (10 s by
      // default): a killed worker holding the parent stalled the run that long. A live worker takes its
      // sticky tasks within milliseconds; one slower than this only costs another worker a history replay.
      stickyQueueScheduleToStartTimeout: '3 seconds',
    });
    return {
      worker,
      run: async () => {
        try {
          await worker.run();
        } finally {
          await release();
        }
      },
    };
  } catch (err) {
    await release();
    throw err;
  } finally {
    // Worker.create has read the bundle by now.
    if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
  }
}

/**
 * Bundles the workflow code in a child process and returns the file: webpack, run in the worker
 * itself, left its modules and caches in the worker's heap for good.
 */
async function bundleInChildProcess(dir: string): Promise<string> {
  const file = join(dir, 'workflow-bundle.js');
  const script = require.resolve('./dev/bundle-workflows');
  // From source (tsx or ts-jest), the child loads TypeScript the same way; from dist/, plain node.
  const nodeArgs = script.endsWith('.ts') ? [...TSX_REQUIRE_HOOK] : [];
  await promisify(execFile)(process.execPath, [...nodeArgs, script, file], { maxBuffer: 16 * 1024 * 1024 });
  return file;
}

/** Refuses a database that is unreachable or lacks a migration, naming the fix. */
export async function requireCurrentSchema(pool: Pool): Promise<void> {
  let pending: string[];
  try {
    pending = await pendingMigrations(pool);
  } catch (err) {
    throw new ConfigurationError(`cannot read the database at DATABASE_URL: ${(err as Error).message}`);
  }
  if (pending.length)
    throw new ConfigurationError(`the database lacks migration(s) ${pending.join(', ')}: run \`npm run db:migrate\` against DATABASE_URL first`);
}

/**
 * Sets the process's nice value. Under Linux's autogroup scheduling (on by default on desktops and many
 * servers) a nice value weighs only against processes of the same session: a worker that leads its own
 * session (a service, or a process started with setsid) would still get a full share of the CPU against
 * every other session. So such a worker lowers its session's group too; one started from a shell leaves
 * the shell's group alone.
 */
export function lowerCpuPriority(nice: number): void {
  setPriority(nice);
  const autogroup = '/proc/self/autogroup';
  if (!existsSync(autogroup)) return;
  // /proc/self/stat: "pid (comm) state ppid pgrp session ..."; comm may hold spaces, so split after its ')'.
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const session = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
  if (session === process.pid) writeFileSync(autogroup, String(nice));
}

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  // Before the SDK starts its threads, which inherit it. Raising one's own nice value needs no privilege.
  let niceProblem: string | undefined;
  try {
    if (config.nice > 0) lowerCpuPriority(config.nice);
  } catch (err) {
    niceProblem = (err as Error).message;
  }
  Runtime.install({
    logger: jsonLogger(config.logLevel),
    // Our own handlers below: the SDK's stop listening after the first signal, and a second one would kill the process.
    shutdownSignals: [],
    telemetryOptions: config.metricsPort
      ? {
          metrics: {
            prometheus: {
              bindAddress: `0.0.0.0:${config.metricsPort}`,
              countersTotalSuffix: true,
              histogramBucketOverrides: { carsync_api_request_duration: API_LATENCY_BUCKETS_MS },
            },
          },
        }
      : undefined,
  });
  if (niceProblem) Runtime.instance().logger.warn("could not lower the worker's CPU priority (CARSYNC_WORKER_NICE)", { error: niceProblem });
  // The Docker image ships a prebuilt bundle (src/dev/bundle-workflows.ts); elsewhere, a child process bundles at start-up.
  const bundlePath = process.env.CARSYNC_WORKFLOW_BUNDLE;
  const { worker, run } = await buildWorker(config, bundlePath ? { workflowBundle: { codePath: bundlePath } } : {});
  // SIGINT/SIGTERM: stop polling, let in-flight tasks finish (or hand them back), then exit 0. Repeats are ignored.
  const stop = () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Where the memory goes, for `npm run bench`: a JSON line per sample into the file named.
  const samples = process.env.CARSYNC_MEMORY_SAMPLES;
  const stopSampling = samples ? sampleMemory(samples, () => worker.getStatus().numCachedWorkflows) : undefined;
  await run();
  stopSampling?.();
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof ConfigurationError ? `worker: ${err.message}` : err);
    process.exit(1);
  });
}
