import type { WorkflowHandle } from '@temporalio/client';
import { containsText } from '../helpers/history';
import { startHarness, type Harness } from '../helpers/sync-harness';

const KEY = 'sk-live-SECRET-31337';

describe('the API key', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      simulator: { seed: 61, size: 3_000, apiKey: KEY, faults: { serverErrorRate: 0.1, seed: 2 } },
      env: { CARS_API_KEY: KEY, CARSYNC_PAGE_SIZE: '100' },
    });
  });
  afterAll(() => h?.close());

  /** The histories of a run and of every child it started. */
  async function histories(handle: WorkflowHandle): Promise<unknown[]> {
    const parent = await handle.fetchHistory();
    const children = (parent.events ?? [])
      .map((e) => e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId)
      .filter((id): id is string => !!id);
    const all = [parent, ...(await Promise.all(children.map((id) => h.client.workflow.getHandle(id).fetchHistory())))];
    expect(all.length).toBeGreaterThan(1);
    return all;
  }

  it('never reaches workflow input or history, even with failures and retries in it', async () => {
    const handle = await h.start();
    const summary = await handle.result();
    expect(summary.retries).toBeGreaterThan(0);
    const all = await histories(handle);
    // Payloads are bytes: the search decodes them, as this positive check on activity input shows.
    expect(containsText(all, '"afterId"')).toBe(true);
    expect(containsText(all, 'UpstreamServerError')).toBe(true);
    expect(containsText(all, KEY)).toBe(false);
  });

  it('never reaches the failure of a run it was refused for', async () => {
    const other = await h.startWorkerWith({ CARS_API_KEY: `${KEY}-revoked` });
    const handle = await other.start();
    await expect(handle.result()).rejects.toThrow();
    const history = await handle.fetchHistory();
    expect(containsText(history, 'UpstreamAuthError')).toBe(true);
    expect(containsText(history, KEY)).toBe(false);
    await other.close();
  });
});
