import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { pauseSignal, progressQuery } from '../../../src/workflows/messages';
import { MockedSync, timeSkippingEnvironment, until, withWorker } from '../../helpers/mocked-sync';

const CARS = 3_000;

describe('a pause longer than maxPauseSeconds (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await timeSkippingEnvironment();
  });
  afterAll(() => env?.teardown());

  it('ends the run as cancelled, removing nothing, with a note saying so', async () => {
    const sync = new MockedSync(CARS, { maxPauseSeconds: 1800 });
    sync.gate = new Promise(() => undefined);
    await withWorker(env, sync, async (start) => {
      const handle = await start();
      await until(() => new Set(sync.calls.map((c) => c.range)).size === 2);
      await handle.signal(pauseSignal);
      await until(() => sync.paused && sync.calls.every((c) => c.outcome === 'interrupted'));
      const calls = sync.calls.length;

      // Shorter than the limit: still paused.
      await env.sleep('29 minutes');
      expect((await handle.query(progressQuery)).state).toBe('paused');

      // Past the limit, by our own skip: awaiting the result with the server skipping time on its own
      // could outrun a loaded worker's close-out, so the result is awaited on the server's normal clock.
      await env.sleep('2 minutes');
      const summary = await new Client({ connection: env.connection, namespace: env.namespace }).workflow.getHandle(handle.workflowId).result();
      expect(summary.status).toBe('cancelled');
      expect(summary.notes).toContainEqual(expect.stringContaining('paused longer than maxPauseSeconds (1800 s)'));
      expect(sync.calls.length).toBe(calls);
      expect(sync.finished).toHaveLength(1);
      expect(sync.finished[0]).toMatchObject({ status: 'cancelled', applyRemovals: false });
    });
  });
});
