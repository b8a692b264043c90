import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { pauseSignal, progressQuery, resumeSignal } from '../../../src/workflows/messages';
import { MockedSync, timeSkippingEnvironment, until, withWorker } from '../../helpers/mocked-sync';

const CARS = 3_000;

describe('a pause of hours with no maxPauseSeconds (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await timeSkippingEnvironment();
  });
  afterAll(() => env?.teardown());

  it('interrupts the pages in flight, starts none while paused, times nothing out, and the run completes exact after resume', async () => {
    const sync = new MockedSync(CARS, { maxPauseSeconds: 0 });
    let release!: () => void;
    sync.gate = new Promise((r) => (release = r));
    await withWorker(env, sync, async (start) => {
      const handle = await start();
      // Both lanes hold a page in flight when the pause comes: it interrupts them.
      await until(() => new Set(sync.calls.map((c) => c.range)).size === 2);
      await handle.signal(pauseSignal);
      await until(() => sync.paused && sync.calls.every((c) => c.outcome === 'interrupted'));
      const calls = sync.calls.length;

      await env.sleep('8 hours');
      expect((await handle.query(progressQuery)).state).toBe('paused');
      expect(sync.calls.length).toBe(calls);

      release();
      await handle.signal(resumeSignal);
      const summary = await handle.result();
      expect(summary).toMatchObject({ status: 'completed', carsSeen: CARS });
    });
  });
});
