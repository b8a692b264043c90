import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { Activities } from '../../src/activities';
import { UpstreamAuthError } from '../../src/errors';
import type { RunPlan } from '../../src/sync-types';
import { testTemporalAddress } from '../helpers/servers';
import { testWorkflowBundle } from '../helpers/worker-process';

// The failures this test provokes on purpose would bury the output.
try {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  // Already installed by an earlier test file in this process.
}

const CARS = 3_000;
const plan = (runId: string): RunPlan => ({
  runId,
  mode: 'full',
  tuning: {
    pageSize: 1000,
    concurrency: 3,
    requestsPerSecond: 0,
    batchSize: 1000,
    pagesPerRange: 1,
    maxRemovalShare: 0.1,
    giveUpAfterSeconds: 60,
    priorityMakes: [],
    incrementalOverlapSeconds: 0,
    maxPauseSeconds: 1800,
  },
  total: CARS,
  passes: [{ name: 'all', filter: {}, total: CARS, firstId: 1, lastId: CARS, trackRemovals: true, revisits: false }],
  highWaterMark: new Date().toISOString(),
  notes: [],
  startedAtMs: Date.now(),
});

describe('a range that fails', () => {
  it('cancels its running siblings, and the run fails with its cause', async () => {
    const started = new Set<number>();
    const cancelled: number[] = [];
    let closedAs: string | undefined;
    // The activities stand in for the upstream and the database: this pins the orchestration alone.
    const activities = {
      startRun: async ({ runId }: { runId: string }) => plan(runId),
      syncPages: async ({ range }: { range: { afterId: number } }) => {
        started.add(range.afterId);
        if (range.afterId === 1000) {
          while (started.size < 3) await new Promise((r) => setTimeout(r, 50));
          throw new UpstreamAuthError('upstream refused the API key (401)');
        }
        const heartbeats = setInterval(() => Context.current().heartbeat(), 200);
        try {
          await Context.current().cancelled;
        } catch (err) {
          cancelled.push(range.afterId);
          throw err;
        } finally {
          clearInterval(heartbeats);
        }
        throw new Error('unreachable');
      },
      finishRun: async ({ status }: { status: string }) => {
        closedAs = status;
        return { status, finishedAtMs: Date.now(), removed: 0, candidates: 0, brakeTripped: false, limit: 0, verified: false, unverifiedReasons: ['failed'] };
      },
      recordPause: async () => undefined,
    } as unknown as Activities;

    const taskQueue = `siblings-${randomUUID()}`;
    const connection = await NativeConnection.connect({ address: testTemporalAddress() });
    const { code } = await testWorkflowBundle();
    const worker = await Worker.create({ connection, taskQueue, workflowBundle: { code }, activities });
    const client = new Client({ connection: await Connection.connect({ address: testTemporalAddress() }) });
    await worker.runUntil(async () => {
      const handle = await client.workflow.start('SyncCarsWorkflow', { taskQueue, workflowId: `sync-${randomUUID()}`, args: [{}] });
      const failure = await handle.result().catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect((failure as WorkflowFailedError).cause).toMatchObject({ type: 'UpstreamAuthError' });
      for (const sibling of [1, 3]) {
        const child = await client.workflow.getHandle(`${handle.workflowId}/range-${sibling}-of-3`).describe();
        expect(child.status.name).toBe('CANCELLED');
      }
    });
    expect(cancelled.sort((a, b) => a - b)).toEqual([0, 2000]);
    expect(closedAs).toBe('failed');
    await client.connection.close();
    await connection.close();
  });
});
