import { randomUUID } from 'node:crypto';
import type { SyncSummary } from '../../src/sync-types';
import { progressQuery } from '../../src/workflows/messages';
import { spawnHarnessWorker, startHarness, type Harness } from '../helpers/sync-harness';
import type { WorkerProcess } from '../helpers/worker-process';

const KEY = 'run-log-key';

interface LogLine {
  message: string;
  workflowId?: string;
  runId?: string;
  [key: string]: unknown;
}

/** The worker's log tells a run's story, one JSON line each, as an operator reading `npm run worker` would. */
describe("the worker's log of a run", () => {
  let h: Harness;
  let worker: WorkerProcess;
  let taskQueue: string;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 71, size: 3_000, apiKey: KEY }, env: { CARS_API_KEY: KEY } });
    ({ worker, taskQueue } = spawnHarnessWorker(h, 'run-log', {
      CARS_API_KEY: KEY,
      CARSYNC_PAGE_SIZE: '100',
      // Ranges of many pages, so they report pages to the run on their way.
      CARSYNC_PAGES_PER_RANGE: '1000',
    }));
  });
  afterAll(async () => {
    await worker?.kill();
    await h?.close();
  });

  const lines = (workflowId: string): LogLine[] =>
    worker
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine)
      .filter((line) => line.workflowId === workflowId);
  const waitForLine = async (workflowId: string, message: string) => {
    while (!lines(workflowId).some((line) => line.message === message)) await new Promise((r) => setTimeout(r, 200));
  };

  it('says when the run starts, each pass starts and ends, how it progresses, backs off and recovers, and how it ended', async () => {
    const workflowId = `run-log-${randomUUID()}`;
    const handle = await h.client.workflow.start('SyncCarsWorkflow', { taskQueue, workflowId, args: [{}] });
    for (;;) {
      const progress = await handle.query(progressQuery).catch(() => null);
      if (progress !== null && progress.pagesDone > 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    h.sim.setFaults({ serverErrorRate: 1 });
    await waitForLine(workflowId, 'range backing off');
    h.sim.setFaults({ serverErrorRate: 0 });
    const summary: SyncSummary = await handle.result();
    await waitForLine(workflowId, 'run finished');

    const story = lines(workflowId);
    const messages = story.map((line) => line.message);
    expect(story.every((line) => line.runId)).toBe(true);
    const started = story.find((line) => line.message === 'run started')!;
    expect(started).toMatchObject({ mode: 'full', passes: expect.any(Array) });
    const passes = (started.passes as unknown[]).length;
    expect(messages.filter((m) => m === 'pass started')).toHaveLength(passes);
    expect(messages.filter((m) => m === 'pass finished')).toHaveLength(passes);
    expect(story.find((line) => line.message === 'progress')).toMatchObject({ pagesDone: expect.any(Number), rowsPerSecond: expect.any(Number) });
    expect(messages).toContain('range recovered');
    expect(story.find((line) => line.message === 'run finished')).toMatchObject({
      status: summary.status,
      carsSeen: summary.carsSeen,
      inserted: summary.inserted,
    });
    expect(messages[0]).toBe('run started');
    expect(messages.at(-1)).toBe('run finished');
  }, 240_000);
});
