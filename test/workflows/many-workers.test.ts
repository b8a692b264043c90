import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { Pool } from 'pg';
import type { Simulator } from '../../src/simulator/server';
import type { SyncSummary } from '../../src/sync-types';
import { metricValue, scrapeMetric, scrapeMetrics } from '../helpers/metrics';
import { normalized, selectCars, startServers } from '../helpers/sync-harness';
import { freePort, spawnWorker, type WorkerProcess } from '../helpers/worker-process';
import { cleanupAfterEach } from '../helpers/cleanup';

/** 100 pages of 100 at 19 requests per second: a run of about 6 s of requests, cut by one kill. */
const CARS = 10_000;
const PAGE_SIZE = 100;
const LATENCY_MS = 20;
const CONCURRENCY = 8;
/** The upstream's limit, per key and fixed one-second window; the run asks for just under it. */
const RATE_LIMIT = 20;
const REQUESTS_PER_SECOND = 19;
const WORKERS = 3;
/** Requests the simulator has seen when one worker is killed: early, but after every worker had pages. */
const KILL_AT = 40;
const API_KEY = 'sim-key-many-workers';
const PAGES_METRIC = 'carsync_pages_total';

/** Undone in reverse order after the test, whether it passed or not. */
const defer = cleanupAfterEach();

interface MetricsWorker {
  process: WorkerProcess;
  metricsPort: number;
}

/** `promise`, unless one of `workers` dies first: a dead worker would otherwise show up only as a test timeout. */
function unlessAnyWorkerDies<T>(promise: Promise<T>, workers: MetricsWorker[]): Promise<T> {
  const deaths = workers.map(({ process: worker }) =>
    worker.exited.then(({ code, signal }) => {
      throw new Error(`worker ${worker.pid} exited (${code ?? signal}) unexpectedly:\n${worker.output()}`);
    }),
  );
  return Promise.race([promise, ...deaths]);
}

/** Resolves once the simulator has received `n` listing requests (answered or not). */
function requestsReached(sim: Simulator, n: number): Promise<void> {
  return new Promise((resolve) => {
    if (sim.stats.requests >= n) return resolve();
    // The hook runs for requests that passed the rate limit; the count includes those that did not.
    const remove = sim.onRequest(() => {
      if (sim.stats.requests >= n) {
        remove();
        resolve();
      }
    });
  });
}

/**
 * Resolves once the worker polls for both workflow and activity tasks, by its own metrics. (The server's
 * DescribeTaskQueue is no help here: it reports the pollers of the queue's root partition only, where a
 * new worker may not show for a whole long-poll minute.)
 */
async function untilPolling(worker: MetricsWorker, timeoutMs = 60_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(100)) {
    const exposition = await scrapeMetrics(worker.metricsPort).catch(() => ''); // not listening yet
    const pollers = (pollerType: string) => metricValue(exposition, 'temporal_num_pollers', { poller_type: pollerType });
    if (pollers('workflow_task') > 0 && pollers('activity_task') > 0) return;
  }
  throw new Error(`worker ${worker.process.pid} was not polling within ${timeoutMs} ms:\n${worker.process.output()}`);
}

async function expectExactMirror(pool: Pool, sim: Simulator): Promise<void> {
  expect((await selectCars(pool, 'WHERE removed_at IS NULL')).map(normalized)).toEqual(sim.dataset.validCars().map(normalized));
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM car_rejects');
  expect(rows[0].n).toBe(sim.dataset.invalidRecords().length);
}

describe('several workers share one task queue and one upstream budget', () => {
  it('three workers, one killed mid-run: the run completes exact, every worker did pages, and the upstream limit is never crossed', async () => {
    const servers = await startServers({
      label: 'many_workers',
      simulator: { seed: 73, size: CARS, latencyMs: LATENCY_MS, rateLimit: RATE_LIMIT, apiKey: API_KEY },
    });
    defer(() => servers.close());
    const { sim, pool, client } = servers;

    const spawnedAt = Date.now();
    const taskQueue = `carsync-many-${randomUUID()}`;
    const workers: MetricsWorker[] = [];
    for (let i = 0; i < WORKERS; i++) {
      const metricsPort = await freePort();
      const worker = spawnWorker({
        TEMPORAL_ADDRESS: servers.temporalAddress,
        TEMPORAL_TASK_QUEUE: taskQueue,
        DATABASE_URL: servers.databaseUrl,
        CARS_API_URL: sim.url,
        CARS_API_KEY: API_KEY,
        CARSYNC_PAGE_SIZE: String(PAGE_SIZE),
        CARSYNC_CONCURRENCY: String(CONCURRENCY),
        CARSYNC_LOG_LEVEL: 'WARN',
        CARSYNC_METRICS_PORT: String(metricsPort),
      });
      defer(() => worker.kill());
      workers.push({ process: worker, metricsPort });
    }
    // The run starts only once all three poll, so that all can take part.
    await unlessAnyWorkerDies(Promise.all(workers.map((w) => untilPolling(w))), workers);

    const startedAt = Date.now();
    const handle: WorkflowHandleWithFirstExecutionRunId = await client.workflow.start('SyncCarsWorkflow', {
      taskQueue,
      workflowId: `many-workers-${randomUUID()}`,
      args: [{ requestsPerSecond: REQUESTS_PER_SECOND }],
    });
    defer(() => handle.terminate().catch(() => undefined));

    await unlessAnyWorkerDies(requestsReached(sim, KILL_AT), workers);
    const [victim, ...survivors] = workers;
    // Scraped just before the kill: a SIGKILLed worker's counters die with it.
    const victimPages = await scrapeMetric(victim.metricsPort, PAGES_METRIC);
    const requestsAtKill = sim.stats.requests;
    await victim.process.kill();

    const summary = (await unlessAnyWorkerDies(handle.result(), survivors)) as SyncSummary;
    const wallMs = Date.now() - startedAt;
    const survivorPages = await Promise.all(survivors.map((w) => scrapeMetric(w.metricsPort, PAGES_METRIC)));
    const pagesPerWorker = [victimPages, ...survivorPages];
    const rateLimited = sim.stats.byStatus[429] ?? 0;
    const maxPerSecond = sim.stats.maxRequestsInAnyWindow(1000);
    // A workflow task left on the killed worker's sticky queue times out (3 s) before another worker takes it.
    const parentEvents = (await handle.fetchHistory()).events ?? [];
    const childIds = parentEvents.map((e) => e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId).filter((id): id is string => !!id);
    const childEvents = (await Promise.all(childIds.map(async (id) => (await client.workflow.getHandle(id).fetchHistory()).events ?? []))).flat();
    const timedOut = (events: typeof parentEvents) => events.filter((event) => event.workflowTaskTimedOutEventAttributes).length;
    console.log(
      [
        `many workers: all ${WORKERS} polling ${((startedAt - spawnedAt) / 1000).toFixed(1)} s after spawning; ` +
          `run wall time ${(wallMs / 1000).toFixed(1)} s, ${sim.stats.requests} requests ` +
          `(${((sim.stats.requests * 1000) / wallMs).toFixed(1)}/s overall), max ${maxPerSecond} in any 1 s window ` +
          `(limit ${RATE_LIMIT}, asked ${REQUESTS_PER_SECOND}), ${rateLimited} answered 429, by status ${JSON.stringify(sim.stats.byStatus)}`,
        `pages per worker: killed (at ${requestsAtKill} requests) ${victimPages}, survivors ${survivorPages.join(', ')}; ` +
          `sum ${pagesPerWorker.reduce((a, b) => a + b, 0)} vs run's ${summary.pages} pages, ${summary.retries} retries; ` +
          `workflow tasks timed out: parent ${timedOut(parentEvents)}, ${childIds.length} range children ${timedOut(childEvents)}`,
      ].join('\n'),
    );

    expect(summary.status).toBe('completed');
    await expectExactMirror(pool, sim);
    // The shared budget holds across processes: no burst over the limit (plus 10% for timer jitter) ...
    expect(maxPerSecond).toBeLessThanOrEqual(Math.floor(RATE_LIMIT * 1.1));
    // ... and the upstream hardly ever had to refuse a request.
    expect(rateLimited).toBeLessThan(sim.stats.requests * 0.01);
    // Three workers on one queue share the work: each did pages, the killed one before it died.
    for (const pages of pagesPerWorker) expect(pages).toBeGreaterThan(0);
  });
});
