import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { findOrInstallTemporalCli, startTemporalDevServer, type TemporalDevServer } from '../../src/dev/temporal';
import { parseCommand, run, type Command } from '../../src/client';
import type { SyncSummary } from '../../src/sync-types';
import { pauseSignal, progressQuery, resumeSignal, setTuningUpdate } from '../../src/workflows/messages';
import { containsText, runsFrom } from '../helpers/history';
import { normalized, startHarness, type Harness } from '../helpers/sync-harness';

/** The parent is told to continue as new at this many events, so a small sync spans several runs. */
const SUGGEST_AT = 40;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function untilState(handle: WorkflowHandle, state: string): Promise<void> {
  while ((await handle.query(progressQuery)).state !== state) await sleep(50);
}

describe('the parent continues as new when Temporal suggests it', () => {
  let server: TemporalDevServer;
  let h: Harness;
  beforeAll(async () => {
    server = await startTemporalDevServer({
      cliPath: await findOrInstallTemporalCli(),
      headless: true,
      dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': SUGGEST_AT },
    });
    h = await startHarness({
      temporalAddress: server.address,
      simulator: { seed: 171, size: 6_000, latencyMs: 15 },
      env: { CARSYNC_PAGE_SIZE: '100', CARSYNC_CONCURRENCY: '2', CARSYNC_PAGES_PER_RANGE: '3' },
    });
  });
  afterAll(async () => {
    await h?.close();
    await server?.stop();
  });

  it('keeps its ledger run, pause and tuning across runs, refuses a second sync meanwhile, and ends exact', async () => {
    const handle = await h.start({ requestsPerSecond: 40 });
    const runs = () => runsFrom(h.client, handle.workflowId, handle.firstExecutionRunId);

    // Early: a pause and a retune.
    await untilState(handle, 'running');
    await handle.signal(pauseSignal);
    await untilState(handle, 'paused');
    const tuning = await handle.executeUpdate(setTuningUpdate, { args: [{ requestsPerSecond: 80, concurrency: 3 }] });
    expect(tuning).toMatchObject({ requestsPerSecond: 80, concurrency: 3 });
    await handle.signal(resumeSignal);
    const early = (await runs()).length;

    // Later, in a run the parent continued as: a second pause, and a second sync that is refused.
    while ((await runs()).length < early + 2) await sleep(100);
    await handle.signal(pauseSignal);
    await untilState(handle, 'paused');
    const refused = await (await h.start()).result().catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(WorkflowFailedError);
    expect(((refused as WorkflowFailedError).cause as ApplicationFailure).type).toBe('SyncAlreadyRunningError');
    expect(((refused as WorkflowFailedError).cause as ApplicationFailure).message).toContain(`run ${handle.firstExecutionRunId}`);
    await handle.signal(resumeSignal);

    const summary = (await handle.result()) as SyncSummary;
    expect(summary).toMatchObject({ status: 'completed', verified: true, runId: handle.firstExecutionRunId });
    expect((await h.listedCars()).map(normalized)).toEqual(h.sim.dataset.validCars().map(normalized));
    const { rows: rejects } = await h.pool.query('SELECT count(DISTINCT car_id)::int AS n FROM car_rejects WHERE car_id IS NOT NULL');
    expect(rejects[0].n).toBeGreaterThan(0);

    const all = await runs();
    expect(all.length).toBeGreaterThanOrEqual(3);
    const activities = all.flatMap(({ history }) =>
      (history.events ?? []).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean),
    );
    expect(activities.filter((name) => name === 'startRun')).toHaveLength(1);
    expect(activities.filter((name) => name === 'finishRun')).toHaveLength(1);
    // The retune reached the ranges the last run started.
    const ranges = (all.at(-1)!.history.events ?? []).filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes);
    expect(ranges.length).toBeGreaterThan(0);
    expect(ranges.every((e) => containsText(e, '"requestsPerSecond":80') && containsText(e, '"concurrency":3'))).toBe(true);

    const { rows } = await h.pool.query('SELECT run_id, status FROM sync_runs ORDER BY started_at');
    expect(rows.filter((r) => r.status !== 'failed')).toEqual([{ run_id: handle.firstExecutionRunId, status: 'completed' }]);

    // `status --json` names the run as the ledger does, by its first run.
    let printed = '';
    const config = { address: server.address, namespace: 'default', taskQueue: h.taskQueue };
    await run(parseCommand(['status', '--id', handle.workflowId, '--json']) as Command, config, { write: (text: string) => ((printed += text), true) });
    expect(JSON.parse(printed)).toMatchObject({ runId: handle.firstExecutionRunId, status: 'completed' });
  });
});
