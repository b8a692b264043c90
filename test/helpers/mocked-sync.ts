import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../src/activities';
import { installedTemporalTestServer } from '../../src/dev/temporal-test-server';
import { RunPausedError } from '../../src/errors';
import { ZERO_COUNTS, type PageResult, type RunPlan, type SyncSummary } from '../../src/sync-types';
import type { Tuning } from '../../src/tuning';
import { testTemporalAddress } from './servers';
import { workflowBundle } from './sync-harness';

/** The time-skipping test server as installed in .tools: never downloaded at test time. */
export function timeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: installedTemporalTestServer() } } });
}

/** The dev server of the test run, for workflow logic that waits for nothing: no time to skip. */
export function devServerEnvironment(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createFromExistingServer({ address: testTemporalAddress() });
}

export type SyncPagesInput = Parameters<Activities['syncPages']>[0];

/** One syncPages call as the mock saw it: which range asked, when on the server's clock, and what came of it. */
export interface PageCall {
  range: string;
  attempt: number;
  startedMs: number;
  input: SyncPagesInput;
  outcome: 'page' | 'interrupted' | 'paused' | 'failed';
}

/**
 * The four activities, mocked: a listing of ids 1..cars read one page per syncPages call, a pause
 * kept as recordPause last recorded it (syncPages refuses to start while it is, as the real one does),
 * and a close that verifies. `trouble` may fail a call instead; `gate` may hold calls back, and a call
 * held back stops when its range interrupts it (a pause, a retune), returning that it did nothing, as the real one does.
 */
export class MockedSync {
  readonly calls: PageCall[] = [];
  readonly finished: Parameters<Activities['finishRun']>[0][] = [];
  paused = false;
  trouble: (call: PageCall) => Error | undefined = () => undefined;
  gate: Promise<void> = Promise.resolve();
  /** The test server's clock, which time skipping moves (an activity's own timestamps say when it was scheduled, not started). */
  now: () => Promise<number> = async () => Date.now();
  readonly plan: RunPlan;

  constructor(cars: number, tuning: Partial<Tuning> = {}) {
    this.plan = {
      runId: randomUUID(),
      mode: 'full',
      tuning: {
        pageSize: 100,
        concurrency: 2,
        requestsPerSecond: 0,
        batchSize: 100,
        pagesPerRange: 5,
        maxRemovalShare: 0.1,
        giveUpAfterSeconds: 3600,
        priorityMakes: [],
        incrementalOverlapSeconds: 60,
        maxPauseSeconds: 1800,
        ...tuning,
      },
      total: cars,
      passes: [{ name: 'all makes', filter: {}, total: cars, firstId: 1, lastId: cars, trackRemovals: true, revisits: false }],
      highWaterMark: new Date(0).toISOString(),
      notes: [],
      startedAtMs: 0,
    };
  }

  /** Pages served, by range workflow id. */
  pagesServed(): Map<string, PageCall[]> {
    const served = new Map<string, PageCall[]>();
    for (const call of this.calls.filter((c) => c.outcome === 'page')) served.set(call.range, [...(served.get(call.range) ?? []), call]);
    return served;
  }

  readonly activities: Activities = {
    startRun: async () => this.plan,
    recordPause: async ({ paused }) => void (this.paused = paused),
    syncPages: async (input): Promise<PageResult> => {
      const { info } = Context.current();
      const call: PageCall = { range: info.workflowExecution?.workflowId ?? '', attempt: info.attempt, startedMs: await this.now(), input, outcome: 'page' };
      this.calls.push(call);
      if (await interrupted(this.gate)) {
        call.outcome = 'interrupted';
        return { ...ZERO_COUNTS, nextAfterId: input.range.afterId, done: false, finishedAtMs: Date.now() };
      }
      if (this.paused) {
        call.outcome = 'paused';
        throw new RunPausedError('the run is paused');
      }
      const failure = this.trouble(call);
      if (failure) {
        call.outcome = 'failed';
        throw failure;
      }
      const last = input.range.maxId ?? this.plan.passes[0].lastId!;
      const nextAfterId = Math.min(last, input.range.afterId + input.tuning.pageSize);
      const cars = nextAfterId - input.range.afterId;
      return { ...ZERO_COUNTS, pages: 1, carsSeen: cars, inserted: cars, nextAfterId, done: nextAfterId >= last, finishedAtMs: Date.now() };
    },
    finishRun: async (input) => {
      this.finished.push(input);
      const status = input.status === 'completed' ? 'completed' : input.status;
      return {
        status,
        verified: status === 'completed',
        unverifiedReasons: [],
        removed: 0,
        candidates: 0,
        limit: 0,
        brakeTripped: false,
        finishedAtMs: Date.now(),
      };
    },
  };
}

/** Waits for `gate`, heartbeating so that a cancellation reaches the call: true when one did first. */
async function interrupted(gate: Promise<void>): Promise<boolean> {
  const context = Context.current();
  const heartbeat = setInterval(() => context.heartbeat(), 100);
  try {
    return await Promise.race([gate.then(() => false), context.cancelled.catch(() => true)]);
  } finally {
    clearInterval(heartbeat);
  }
}

/** Runs `use` with a worker of the real workflows and `sync`'s activities on a task queue of its own. */
export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  sync: MockedSync,
  use: (start: () => ReturnType<typeof startSync>) => Promise<T>,
): Promise<T> {
  const taskQueue = `time-skipping-${randomUUID()}`;
  sync.now = () => env.currentTimeMs();
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: sync.activities });
  return worker.runUntil(use(() => startSync(env, taskQueue)));
}

function startSync(env: TestWorkflowEnvironment, taskQueue: string) {
  return env.client.workflow.start<() => Promise<SyncSummary>>('SyncCarsWorkflow', { taskQueue, workflowId: `sync-${randomUUID()}`, args: [] });
}

/** Waits (on real time, which the server does not skip while no result is awaited) until `ready` holds. */
export async function until(ready: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await ready())) await new Promise((r) => setTimeout(r, 20));
}
