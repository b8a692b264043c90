import { EXIT, parseCommand, run, runLedgerVerb, type Command } from '../../src/client';
import { startHarness, type Harness, type TestWorker } from '../helpers/sync-harness';

function buffer() {
  const chunks: string[] = [];
  return { write: (t: string) => chunks.push(t), isTTY: false, text: () => chunks.join('') };
}

/** A failed run says why, and what to fix, in start --follow, status and runs. */
describe('a failed run in the CLI', () => {
  let h: Harness;
  let badKey: TestWorker;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 643, size: 300, invalidShare: 0 } });
    badKey = await h.startWorkerWith({ CARS_API_KEY: 'not-the-key' });
  });
  afterAll(() => h?.close());

  const cli = async (argv: string[]) => {
    const out = buffer();
    const command = parseCommand(argv) as Command;
    const config = { address: process.env.CARSYNC_TEST_TEMPORAL_ADDRESS!, namespace: 'default', taskQueue: badKey.taskQueue };
    const code = command.verb === 'runs' ? await runLedgerVerb(command, h.databaseUrl, out) : await run(command, config, out);
    return { code, text: out.text() };
  };

  it('shows the failure class, its message and the fix, and exits 1', async () => {
    const id = `failed-run-${Date.now()}`;
    const followed = await cli(['start', '--follow', '--id', id]);
    expect(followed.code).toBe(EXIT.failed);
    expect(followed.text).toMatch(/\nfailed: UpstreamAuthError: upstream refused the API key \(401\).*CARS_API_KEY/);
    expect(followed.text).toContain('to fix: set a valid CARS_API_KEY');
    expect(followed.text).not.toContain('not-the-key');

    const status = await cli(['status', '--id', id]);
    expect(status.code).toBe(EXIT.failed);
    expect(status.text).toMatch(new RegExp(`^${id}: FAILED\nfailed: UpstreamAuthError: `));
    const report = JSON.parse((await cli(['status', '--id', id, '--json'])).text);
    expect(report).toMatchObject({ workflowId: id, status: 'failed', summary: null, exitCode: EXIT.failed, failure: { type: 'UpstreamAuthError' } });

    const [ledger] = JSON.parse((await cli(['runs', '--json'])).text);
    expect(ledger).toMatchObject({ workflowId: id, status: 'failed', verified: false, failure: { type: 'UpstreamAuthError' } });
    expect(ledger.failure.message).toContain('(401)');
  });
});
