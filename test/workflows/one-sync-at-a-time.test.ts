import { WorkflowFailedError, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { parseCommand, run, SyncRefusedError, type Command } from '../../src/client';
import type { SyncSummary } from '../../src/sync-types';
import { normalized, startHarness, type Harness } from '../helpers/sync-harness';

/** A budget that makes a run last a few seconds: long enough for another to be started meanwhile. */
const SLOW = { requestsPerSecond: 20 };

describe('one sync at a time per table', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 151, size: 4_000, latencyMs: 20 }, env: { CARSYNC_PAGE_SIZE: '100', CARSYNC_CONCURRENCY: '2' } });
  });
  afterAll(() => h?.close());

  /** The message of the SyncAlreadyRunningError the run failed with. */
  async function refusal(handle: WorkflowHandleWithFirstExecutionRunId): Promise<string> {
    const failure = await handle.result().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('SyncAlreadyRunningError');
    return cause.message;
  }

  async function ledgerStatus(runId: string): Promise<string | undefined> {
    const { rows } = await h.pool.query('SELECT status FROM sync_runs WHERE run_id = $1', [runId]);
    return rows[0]?.status;
  }

  it('refuses a run started while another syncs, naming that one, whether a client or the CLI starts it', async () => {
    const holder = await h.start(SLOW);
    while ((await ledgerStatus(holder.firstExecutionRunId)) !== 'running') await new Promise((r) => setTimeout(r, 50));

    // As `temporal workflow start` or a schedule would start it: the run itself refuses.
    const second = await h.start();
    expect(await refusal(second)).toContain(`workflow ${holder.workflowId} (run ${holder.firstExecutionRunId}`);
    expect(await ledgerStatus(second.firstExecutionRunId)).toBe('failed');

    // The CLI refuses before starting anything, and says which run holds the table.
    const config = { address: process.env.CARSYNC_TEST_TEMPORAL_ADDRESS!, namespace: 'default', taskQueue: h.taskQueue };
    const cli = run(parseCommand(['start']) as Command, config, { write: () => true });
    await expect(cli).rejects.toThrow(SyncRefusedError);
    await expect(cli).rejects.toThrow(`${holder.workflowId} (run ${holder.firstExecutionRunId}) is syncing this database`);

    expect(((await holder.result()) as SyncSummary).status).toBe('completed');
    expect((await h.listedCars()).map(normalized)).toEqual(h.sim.dataset.validCars().map(normalized));
  });

  it('lets exactly one of two runs started at the same moment sync, as a full and an incremental schedule firing together would', async () => {
    const runs = await Promise.all([h.start({ ...SLOW, mode: 'full' }), h.start({ ...SLOW, mode: 'incremental' })]);
    const outcomes = await Promise.allSettled(runs.map((r) => r.result()));
    const synced = outcomes.findIndex((o) => o.status === 'fulfilled');
    expect(synced).toBeGreaterThanOrEqual(0);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect((outcomes[synced] as PromiseFulfilledResult<SyncSummary>).value.status).toBe('completed');
    expect(await refusal(runs[1 - synced])).toContain(`workflow ${runs[synced].workflowId}`);
  });
});
