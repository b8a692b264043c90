import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { setTuningUpdate } from '../../../src/workflows/messages';
import { MockedSync, devServerEnvironment, until, withWorker } from '../../helpers/mocked-sync';

describe('a retune (mocked activities)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await devServerEnvironment();
  });
  afterAll(() => env?.teardown());

  it('reaches every running range, and every range started after it', async () => {
    const sync = new MockedSync(5_000, { concurrency: 3 });
    let release!: () => void;
    sync.gate = new Promise((r) => (release = r));
    await withWorker(env, sync, async (start) => {
      const handle = await start();
      await until(() => new Set(sync.calls.map((c) => c.range)).size === 3);
      const running = new Set(sync.calls.map((c) => c.range));
      const callsBefore = sync.calls.length;
      const tuning = await handle.executeUpdate(setTuningUpdate, { args: [{ requestsPerSecond: 40 }] });
      expect(tuning.requestsPerSecond).toBe(40);
      release();
      expect((await handle.result()).status).toBe('completed');

      const after = sync.calls.slice(callsBefore);
      expect(after.every((c) => c.input.tuning.requestsPerSecond === 40)).toBe(true);
      for (const range of running) expect(after.some((c) => c.range === range)).toBe(true);
    });
  });
});
