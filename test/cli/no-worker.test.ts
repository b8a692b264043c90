import { randomUUID } from 'node:crypto';
import { EXIT, parseCommand, run, type Command } from '../../src/client';
import { startHarness, type Harness } from '../helpers/sync-harness';

/** start --follow and status --follow say when no worker polls the run's task queue, naming npm run worker. */
describe('following a run no worker takes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 653, size: 100 } });
  });
  afterAll(() => h?.close());

  it('says so, naming npm run worker, and ends when the run does', async () => {
    const taskQueue = `no-worker-${randomUUID()}`;
    const config = { address: process.env.CARSYNC_TEST_TEMPORAL_ADDRESS!, namespace: 'default', taskQueue };
    const id = `no-worker-${Date.now()}`;
    const warned = (verb: string[]) => {
      const chunks: string[] = [];
      let said: () => void;
      const saidIt = new Promise<void>((resolve) => (said = resolve));
      const code = run(parseCommand(verb) as Command, config, {
        write: (t: string) => {
          chunks.push(t);
          if (t.includes('no worker polls')) said();
        },
      });
      return { code, saidIt, text: () => chunks.join('') };
    };
    const started = warned(['start', '--follow', '--id', id]);
    await started.saidIt;
    const followed = warned(['status', '--follow', '--id', id]);
    await followed.saidIt;
    for (const { text } of [started, followed]) {
      expect(text()).toContain(`no worker polls task queue "${taskQueue}": the run waits until one does; start one with \`npm run worker\``);
    }
    await h.client.workflow.getHandle(id).terminate('test over');
    expect(await started.code).toBe(EXIT.failed);
    expect(await followed.code).toBe(EXIT.failed);
    expect(followed.text()).toContain(`${id}: TERMINATED`);
  });
});
