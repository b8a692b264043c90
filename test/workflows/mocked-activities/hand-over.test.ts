import { WorkflowUpdateFailedError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { findOrInstallTemporalCli, startTemporalDevServer, type TemporalDevServer } from '../../../src/dev/temporal';
import { ZERO_COUNTS, type SyncSummary } from '../../../src/sync-types';
import { pauseSignal, progressQuery, resumeSignal, setTuningUpdate } from '../../../src/workflows/messages';
import { containsText, runsFrom } from '../../helpers/history';
import { MockedSync, until, withWorker } from '../../helpers/mocked-sync';

/** The parent is told to continue as new at this many events: every few ranges. */
const SUGGEST_AT = 30;

describe('the parent hands over to a new run (mocked activities)', () => {
  let server: TemporalDevServer;
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    server = await startTemporalDevServer({
      cliPath: await findOrInstallTemporalCli(),
      headless: true,
      dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': SUGGEST_AT },
    });
    env = await TestWorkflowEnvironment.createFromExistingServer({ address: server.address });
  });
  afterAll(async () => {
    await env?.teardown();
    await server?.stop();
  });

  it('syncs every range once, plans and closes once, and takes every setTuning, one during a hand-over too', async () => {
    const sync = new MockedSync(2_000, { concurrency: 2, pagesPerRange: 2 });
    let plans = 0;
    const plan = sync.activities.startRun;
    sync.activities.startRun = async (input) => (plans++, plan(input));
    await withWorker(env, sync, async (start) => {
      const handle = await start();
      const result = handle.result();
      let ended = false;
      void result.finally(() => (ended = true)).catch(() => undefined);
      await until(() => sync.calls.length > 0);
      // Updates one after another for the whole run: some reach a run in its first task, as it takes over.
      const refused: string[] = [];
      for (let i = 0; !ended; i++) {
        await handle.executeUpdate(setTuningUpdate, { args: [{ concurrency: 2 + (i % 2) }] }).catch((err: unknown) => {
          if (err instanceof WorkflowUpdateFailedError) refused.push(err.cause?.message ?? err.message);
        });
      }
      const summary: SyncSummary = await result;

      expect(refused).toEqual([]);
      expect(summary).toMatchObject({ status: 'completed', carsSeen: 2_000, pages: 20, ranges: 10 });
      expect((await runsFrom(env.client, handle.workflowId, handle.firstExecutionRunId)).length).toBeGreaterThanOrEqual(3);
      expect(plans).toBe(1);
      expect(sync.finished).toHaveLength(1);
      const served = sync.pagesServed();
      expect(served.size).toBe(10);
      const afterIds = [...served.values()].flat().map((c) => c.input.range.afterId);
      expect(new Set(afterIds).size).toBe(afterIds.length);
    });
  });

  it('carries a pause that came during the hand-over: the next run starts paused, with what is left of maxPauseSeconds', async () => {
    const sync = new MockedSync(1_000, { concurrency: 1, pagesPerRange: 1, maxPauseSeconds: 60 });
    let release!: () => void;
    sync.gate = new Promise((r) => (release = r));
    // The real activity stops after its current page: interrupted, the first range's only page is done.
    const page = sync.activities.syncPages;
    sync.activities.syncPages = async (input) => {
      const result = await page(input);
      if (sync.calls.at(-1)!.outcome !== 'interrupted' || input.range.maxId === null) return result;
      const cars = input.range.maxId - input.range.afterId;
      return { ...ZERO_COUNTS, pages: 1, carsSeen: cars, inserted: cars, nextAfterId: input.range.maxId, done: true, finishedAtMs: Date.now() };
    };
    await withWorker(env, sync, async (start) => {
      const handle = await start();
      const runs = () => runsFrom(env.client, handle.workflowId, handle.firstExecutionRunId);
      await until(() => sync.calls.length === 1);
      await handle.signal(pauseSignal);
      // The first range finishes its page and nothing more starts; updates grow the history until the run hands over.
      while ((await runs()).length < 2) await handle.executeUpdate(setTuningUpdate, { args: [{ concurrency: 1 }] });
      expect((await handle.query(progressQuery)).state).toBe('paused');

      const [first, second] = await runs();
      const pausedAt = first.history.events!.find((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'pause')!.eventTime!;
      const started = second.history.events![0];
      expect(containsText(started, '"pause":{"paused":true,"seq":1,"sinceMs":')).toBe(true);
      // The next run's limit is what the pause had left when it took over.
      await until(async () =>
        ((await env.client.workflow.getHandle(handle.workflowId, second.runId).fetchHistory()).events ?? []).some((e) => e.timerStartedEventAttributes),
      );
      const timer = (await env.client.workflow.getHandle(handle.workflowId, second.runId).fetchHistory()).events!.find((e) => e.timerStartedEventAttributes)!;
      const timerMs = Number(timer.timerStartedEventAttributes!.startToFireTimeout!.seconds) * 1000;
      const elapsedMs = Number(timer.eventTime!.seconds) * 1000 - Number(pausedAt.seconds) * 1000;
      expect(timerMs).toBeLessThan(60_000);
      expect(timerMs).toBeGreaterThanOrEqual(60_000 - elapsedMs - 2_000);
      expect(sync.calls).toHaveLength(1);

      await handle.signal(resumeSignal);
      release();
      expect(await handle.result()).toMatchObject({ status: 'completed', carsSeen: 1_000, pages: 10, ranges: 10 });
      expect(sync.finished).toHaveLength(1);
    });
  });
});
