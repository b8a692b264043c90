import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { progressQuery } from '../../src/workflows/messages';
import { containsText } from '../helpers/history';
import { normalized, spawnHarnessWorker, startHarness, type Harness } from '../helpers/sync-harness';
import { waitFor } from '../helpers/wait';
import type { WorkerProcess } from '../helpers/worker-process';

const KEY = 'sk-live-SECRET-31337';

/** Every error answer of the upstream repeats the presented key, as careless servers' do. */
describe('the API key, even when the upstream echoes it', () => {
  let h: Harness;
  let worker: WorkerProcess;
  let taskQueue: string;
  beforeAll(async () => {
    h = await startHarness({
      simulator: { seed: 61, size: 3_000, apiKey: KEY, faults: { echoKey: true, serverErrorRate: 0.1, seed: 2 } },
      env: { CARS_API_KEY: KEY },
    });
    // `npm run worker` as a process of its own, so its log is what an operator would read; at DEBUG, to log the most.
    ({ worker, taskQueue } = spawnHarnessWorker(h, 'secrets', { CARS_API_KEY: KEY, CARSYNC_PAGE_SIZE: '100', CARSYNC_LOG_LEVEL: 'DEBUG' }));
  });
  afterAll(async () => {
    await worker?.kill();
    await h?.close();
  });

  const start = () => h.client.workflow.start('SyncCarsWorkflow', { taskQueue, workflowId: `secrets-${randomUUID()}`, args: [{}] });

  /** The histories of a run and of every child it started. */
  async function histories(handle: WorkflowHandle): Promise<unknown[]> {
    const parent = await handle.fetchHistory();
    const children = (parent.events ?? [])
      .map((e) => e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId)
      .filter((id): id is string => !!id);
    return [parent, ...(await Promise.all(children.map((id) => h.client.workflow.getHandle(id).fetchHistory())))];
  }

  it('never reaches history or progress through retried 5xx answers, nor through a range backing off', async () => {
    const handle = await start();
    // Once pages flow, every answer fails until a range backs off and shows its last error in progress.
    await waitFor('pages to flow', async () => ((await handle.query(progressQuery).catch(() => null))?.pagesDone ?? 0) > 0, { everyMs: 200 });
    h.sim.setFaults({ serverErrorRate: 1 });
    let lastError: string | null = null;
    await waitFor('a range to show its last error', async () => (lastError = (await handle.query(progressQuery)).lastError) !== null, { everyMs: 200 });
    h.sim.setFaults({ serverErrorRate: 0.1 });
    expect(lastError).toContain('Bearer [redacted]');
    expect(lastError).not.toContain(KEY);

    const summary = await handle.result();
    expect(summary.retries).toBeGreaterThan(0);
    expect((await h.listedCars()).map(normalized)).toEqual(h.sim.dataset.validCars().map(normalized));
    expect(containsText(await handle.query(progressQuery), KEY)).toBe(false);
    const all = await histories(handle);
    expect(all.length).toBeGreaterThan(1);
    // Payloads are bytes: the search decodes them, as these positive checks show.
    expect(containsText(all, '"afterId"')).toBe(true);
    expect(containsText(all, 'Bearer [redacted]')).toBe(true);
    expect(containsText(all, KEY)).toBe(false);
  }, 240_000);

  it.each([401, 403])('never reaches the failure of a run refused with %i', async (status) => {
    h.sim.setFaults({ forcedStatus: status });
    try {
      const handle = await start();
      await expect(handle.result()).rejects.toThrow();
      const all = await histories(handle);
      expect(containsText(all, 'UpstreamAuthError')).toBe(true);
      expect(containsText(all, 'Bearer [redacted]')).toBe(true);
      expect(containsText(all, KEY)).toBe(false);
      expect(containsText(await handle.query(progressQuery), KEY)).toBe(false);
    } finally {
      h.sim.setFaults({ forcedStatus: null });
    }
  });

  it("never reaches the run ledger or the worker's log", async () => {
    // A refused run of its own, so that the ledger holds one whichever of the tests above ran.
    h.sim.setFaults({ forcedStatus: 401 });
    let refused: string;
    try {
      const handle = await start();
      await expect(handle.result()).rejects.toThrow();
      refused = handle.firstExecutionRunId;
    } finally {
      h.sim.setFaults({ forcedStatus: null });
    }
    const { rows } = await h.pool.query(`SELECT run_id, status, row_to_json(r)::text AS row FROM sync_runs r`);
    expect(rows.find((r) => r.run_id === refused)?.status).toBe('failed');
    for (const { row } of rows) expect(row).not.toContain(KEY);
    const log = worker.output();
    expect(log).toContain('[redacted]');
    expect(log).not.toContain(KEY);
  });
});
