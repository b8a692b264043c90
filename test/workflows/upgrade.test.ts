import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Simulator } from '../../src/simulator/server';
import type { SyncSummary } from '../../src/sync-types';
import { pauseSignal, progressQuery, resumeSignal } from '../../src/workflows/messages';
import { cleanupAfterEach } from '../helpers/cleanup';
import { normalized, startHarness, type Harness, type TestWorker } from '../helpers/sync-harness';
import { recordedBundles } from '../replay/bundles';

/**
 * Upgrades: a sync started by a released worker (a bundle in test/fixtures/bundles, run with the current
 * activities, as during a rolling deploy) is handed to a worker on the current code and must complete
 * exact. A change to workflow code that is not behind `patched()` fails here with the server's
 * nondeterminism error, as soon as the current code replays the old history.
 */

/** 3,000 cars in pages of 50 at 20 requests per second over 3 lanes: about 90 requests over 9 ranges. */
const CARS = 3_000;
const PAGE_SIZE = 50;
const REQUESTS_PER_SECOND = 20;
/** Listing requests (planning's few, then pages) after which the old worker is interrupted: a quarter of the way. */
const INTERRUPT_AT = 20;
/** How often the watcher reads the task queue's histories, and a test polls the server for the run's state. */
const POLL_MS = 250;

const { WorkflowTaskFailedCause } = temporal.api.enums.v1;
/** Workflow task failures that mean the current code cannot carry on a run: not replay-safe, or throwing. */
const BREAKING_CAUSES = new Set([
  WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR,
  WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE,
]);

const defer = cleanupAfterEach();

/**
 * Reads the history of every workflow on `taskQueue` (the parent and every range) until stopped, and
 * rejects `broken` at the first workflow task that failed for non-determinism or a code error: the run
 * would otherwise retry that task until the test timed out.
 */
function watchTaskQueue(client: Client, taskQueue: string) {
  const checkedClosed = new Set<string>();
  let stopped: Promise<void> | undefined;
  const check = async (): Promise<void> => {
    for await (const workflow of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
      const key = `${workflow.workflowId}/${workflow.runId}`;
      if (checkedClosed.has(key)) continue;
      const history = await client.workflow.getHandle(workflow.workflowId, workflow.runId).fetchHistory();
      for (const event of history.events ?? []) {
        const failed = event.workflowTaskFailedEventAttributes;
        if (!failed) continue;
        const message = failed.failure?.message ?? '';
        if (BREAKING_CAUSES.has(failed.cause ?? 0) || message.includes('TMPRL1100')) {
          throw new Error(`${workflow.workflowId}: workflow task failed (${WorkflowTaskFailedCause[failed.cause ?? 0]}): ${message}`);
        }
      }
      if (workflow.status.name !== 'RUNNING') checkedClosed.add(key);
    }
  };
  const broken = (async (): Promise<never> => {
    for (; stopped === undefined; await sleep(POLL_MS)) await check();
    return new Promise<never>(() => undefined);
  })();
  // Raced by every wait of the test; unobserved when the test ends first.
  broken.catch(() => undefined);
  return {
    /** `promise`, unless a workflow on the queue breaks first. */
    unlessBroken: <T>(promise: Promise<T>): Promise<T> => Promise.race([promise, broken]),
    /** Stops watching, after one last look at every workflow the queue ever had. */
    stop: (): Promise<void> => (stopped ??= check()),
  };
}

/**
 * Resolves once every running workflow on `taskQueue` waits for nothing (no activity and no workflow task
 * pending) twice in a row: a signal on its way from one workflow to another shows as neither.
 */
async function atRest(client: Client, taskQueue: string): Promise<void> {
  for (let idle = 0; idle < 2; await sleep(POLL_MS)) {
    const running = [];
    for await (const workflow of client.workflow.list({ query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'` })) running.push(workflow);
    const busy = await Promise.all(
      running.map(async ({ workflowId, runId }) => {
        const { raw } = await client.workflow.getHandle(workflowId, runId).describe();
        return (raw.pendingActivities?.length ?? 0) > 0 || !!raw.pendingWorkflowTask;
      }),
    );
    idle = running.length > 0 && !busy.includes(true) ? idle + 1 : 0;
  }
}

/** Holds every listing request from the `n`th on until released, so that the pages in flight stay in flight. */
function holdRequestsFrom(sim: Simulator, n: number) {
  let reached!: () => void;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const held = new Promise<void>((resolve) => (reached = resolve));
  const remove = sim.onRequest(() => {
    if (sim.stats.requests < n) return;
    reached();
    return gate;
  });
  return {
    /** Resolves once a request is held. */
    held,
    release: () => {
      remove();
      release();
    },
  };
}

/** Resolves once the simulator has received `n` listing requests. */
function requestsReached(sim: Simulator, n: number): Promise<void> {
  return new Promise((resolve) => {
    const remove = sim.onRequest(() => {
      if (sim.stats.requests < n) return;
      remove();
      resolve();
    });
  });
}

async function expectExactAndVerified(h: Harness, summary: SyncSummary): Promise<void> {
  expect(summary).toMatchObject({ status: 'completed', verified: true });
  expect((await h.listedCars()).map(normalized)).toEqual(h.sim.dataset.validCars().map(normalized));
}

const bundles = recordedBundles();
if (bundles.length === 0) throw new Error('no workflow bundle in test/fixtures/bundles: record the release with `npm run record:bundle -- <commit>`');

describe.each(bundles)('a sync started on $name', ({ codePath }) => {
  let h: Harness;
  let taskQueue: string;
  let old: TestWorker;
  let watcher: ReturnType<typeof watchTaskQueue>;

  beforeEach(async () => {
    h = await startHarness({ simulator: { seed: 97, size: CARS, latencyMs: 20 }, env: { CARSYNC_PAGE_SIZE: String(PAGE_SIZE), CARSYNC_CONCURRENCY: '3' } });
    defer(() => h.close());
    taskQueue = `carsync-upgrade-${randomUUID()}`;
    old = await h.startWorkerWith({}, { taskQueue, workflowBundle: { codePath } });
    watcher = watchTaskQueue(h.client, taskQueue);
    // A failing test has reported what broke already.
    defer(() => watcher.stop().catch(() => undefined));
  });

  /** Starts the sync on the old worker. */
  async function startOnOld(): Promise<WorkflowHandle> {
    const handle = await old.start({ requestsPerSecond: REQUESTS_PER_SECOND });
    defer(() => handle.terminate().catch(() => undefined));
    return handle;
  }

  it('paused there, resumes and completes on the current code', async () => {
    const handle = await startOnOld();
    await watcher.unlessBroken(requestsReached(h.sim, INTERRUPT_AT));
    await handle.signal(pauseSignal);
    // The old code has recorded the pause and told every range: the current code replays all of it.
    await watcher.unlessBroken(atRest(h.client, taskQueue));
    expect((await handle.query(progressQuery)).state).toBe('paused');
    const requestsPaused = h.sim.stats.requests;
    await old.close();

    await h.startWorkerWith({}, { taskQueue });
    expect((await watcher.unlessBroken(handle.query(progressQuery))).state).toBe('paused');
    expect(h.sim.stats.requests).toBe(requestsPaused);
    await handle.signal(resumeSignal);
    const summary = (await watcher.unlessBroken(handle.result())) as SyncSummary;
    await watcher.stop();
    await expectExactAndVerified(h, summary);
  });

  it('its worker shut down mid-page, completes on the current code', async () => {
    const hold = holdRequestsFrom(h.sim, INTERRUPT_AT);
    defer(async () => hold.release());
    const handle = await startOnOld();
    await watcher.unlessBroken(hold.held);
    // Shut down with pages in flight: each range's activity returns after its page, on the old worker.
    const stopped = old.close();
    hold.release();
    await stopped;

    await h.startWorkerWith({}, { taskQueue });
    const summary = (await watcher.unlessBroken(handle.result())) as SyncSummary;
    await watcher.stop();
    await expectExactAndVerified(h, summary);
  });
});
