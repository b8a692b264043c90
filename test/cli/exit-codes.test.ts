import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EXIT, parseCommand, run, type Command } from '../../src/client';
import { startHarness, type Harness } from '../helpers/sync-harness';

/** 0 only for a run that completed and proved it; 3 for one that completed unverified; 1 for one that did not complete. */
describe('the sync CLI exit codes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 156, size: 1_500, invalidShare: 0 }, env: { CARSYNC_PAGE_SIZE: '100' } });
  });
  afterAll(() => h?.close());

  const address = () => process.env.CARSYNC_TEST_TEMPORAL_ADDRESS!;
  const cli = async (argv: string[]) => {
    const chunks: string[] = [];
    const code = await run(
      parseCommand(argv) as Command,
      { address: address(), namespace: 'default', taskQueue: h.taskQueue },
      { write: (t: string) => chunks.push(t) },
    );
    return { code, text: chunks.join('') };
  };

  it('exits 0 after a verified run, and 3, saying why, after an unverified one', async () => {
    const ok = await cli(['start', '--follow', '--id', `exit-ok-${Date.now()}`]);
    expect(ok.code).toBe(EXIT.ok);
    expect(ok.text).toMatch(/status\s+completed/);
    expect(ok.text).toMatch(/verified\s+true/);

    h.sim.setFaults({ jumpRate: 0.5 });
    const id = `exit-unverified-${Date.now()}`;
    const unverified = await cli(['start', '--follow', '--id', id]);
    h.sim.setFaults({ jumpRate: 0 });
    expect(unverified.code).toBe(EXIT.attention);
    expect(unverified.text).toMatch(/status\s+unverified/);
    expect(unverified.text).toMatch(/not verified because:\n {4}- page after_id=\d+/);

    // The process itself, as a script or a cron job sees it.
    const status = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(__dirname, '../../src/client.ts'), 'status', '--id', id], {
      env: { ...process.env, TEMPORAL_ADDRESS: address(), TEMPORAL_TASK_QUEUE: h.taskQueue },
    }).then(
      () => ({ code: 0, stdout: '' }),
      (err: { code: number; stdout: string }) => err,
    );
    expect(status.code).toBe(EXIT.attention);
    expect(status.stdout).toContain('COMPLETED');
  });

  it('exits 1 for a run that was cancelled', async () => {
    h.sim.setLatency(200);
    const id = `exit-cancelled-${Date.now()}`;
    await cli(['start', '--id', id]);
    await new Promise<void>((resolve) => h.sim.onRequest(() => resolve()));
    await cli(['cancel', '--id', id]);
    await expect(h.client.workflow.getHandle(id).result()).rejects.toThrow();
    h.sim.setLatency(0);
    expect((await cli(['status', '--id', id])).code).toBe(EXIT.failed);
  });
});
