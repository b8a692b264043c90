import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EXIT, parseCommand, run, runLedgerVerb, type Command } from '../../src/client';
import { SCHEDULE_IDS } from '../../src/cli/schedule';
import { startHarness, type Harness } from '../helpers/sync-harness';

function buffer() {
  const chunks: string[] = [];
  return { write: (t: string) => chunks.push(t), isTTY: false, text: () => chunks.join('') };
}

/** runs, rejects, status and schedule show, as text and as the stable objects of --json. */
describe('the CLI read verbs', () => {
  let h: Harness;
  let workflowId: string;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 641, size: 800, invalidShare: 0.02 }, env: { CARSYNC_PAGE_SIZE: '100' } });
    workflowId = `read-verbs-${Date.now()}`;
    expect((await cli(['start', '--follow', '--id', workflowId])).code).toBe(EXIT.ok);
  });
  afterAll(() => h?.close());

  const config = () => ({ address: process.env.CARSYNC_TEST_TEMPORAL_ADDRESS!, namespace: 'default', taskQueue: h.taskQueue });
  const cli = async (argv: string[]) => {
    const out = buffer();
    const command = parseCommand(argv) as Command;
    const code = command.verb === 'runs' || command.verb === 'rejects' ? await runLedgerVerb(command, h.databaseUrl, out) : await run(command, config(), out);
    return { code, text: out.text() };
  };
  const json = async (argv: string[]) => JSON.parse((await cli([...argv, '--json'])).text);

  it('runs: the ledger, newest first, with every column', async () => {
    const [latest] = await json(['runs']);
    expect(Object.keys(latest).sort()).toEqual(
      [
        'carsSeen',
        'durationSeconds',
        'failure',
        'finishedAt',
        'inserted',
        'mode',
        'rejected',
        'removalBrakeTripped',
        'removed',
        'runId',
        'startedAt',
        'status',
        'unverifiedReasons',
        'updated',
        'verified',
        'workflowId',
      ].sort(),
    );
    expect(latest).toMatchObject({
      workflowId,
      mode: 'full',
      status: 'completed',
      verified: true,
      removalBrakeTripped: false,
      updated: 0,
      removed: 0,
      failure: null,
    });
    expect(latest.inserted).toBe(h.sim.dataset.validCars().length);
    expect(await json(['runs', '--status', 'failed'])).toEqual([]);
    const text = (await cli(['runs', '--limit', '1'])).text;
    expect(text).toMatch(/^id\s+mode\s+status\s+start\s+duration s\s+seen\s+inserted\s+updated\s+removed\s+rejected\n/);
    expect(text).toContain(`${workflowId}  full  completed`);
  });

  it('rejects: the reasons counted, and the latest examples', async () => {
    const report = await json(['rejects', '--run', workflowId, '--limit', '2']);
    expect(Object.keys(report).sort()).toEqual(['examples', 'reasons', 'run', 'total']);
    expect(report.total).toBeGreaterThan(0);
    expect(report.reasons[0]).toEqual({ reason: expect.any(String), count: expect.any(Number) });
    expect(report.examples).toHaveLength(2);
    expect(Object.keys(report.examples[0]).sort()).toEqual(['carId', 'payload', 'reasons', 'runId', 'seenAt']);
    expect((await cli(['rejects'])).text).toMatch(/^\d+ rejected record\(s\) kept; reasons:\n\s+\d+ {2}\S/);
  });

  it('status: any run, as text and as one object', async () => {
    const report = await json(['status', '--id', workflowId]);
    expect(Object.keys(report).sort()).toEqual(['exitCode', 'failure', 'progress', 'runId', 'status', 'summary', 'workflowId']);
    expect(report).toMatchObject({ workflowId, status: 'completed', failure: null, progress: null, exitCode: EXIT.ok });
    expect(report.summary).toMatchObject({ status: 'completed', verified: true });
    expect((await cli(['status'])).text).toMatch(new RegExp(`^${workflowId}: COMPLETED\nsummary:`));
  });

  it('schedule: pause and unpause with a note, and show as objects', async () => {
    await cli(['schedule', 'create', '--cron', '0 3 * * *']);
    try {
      expect((await cli(['schedule', 'pause', '--note', 'upstream maintenance'])).text).toBe(`paused ${SCHEDULE_IDS.full} (upstream maintenance)\n`);
      const [full, incremental] = await json(['schedule', 'show']);
      expect(full).toMatchObject({
        id: SCHEDULE_IDS.full,
        mode: 'full',
        scheduled: true,
        paused: true,
        note: '0 3 * * * (UTC) | paused: upstream maintenance',
      });
      expect(incremental).toMatchObject({ id: SCHEDULE_IDS.incremental, scheduled: false, paused: false, nextRuns: [], lastRun: null });
      expect(Object.keys(full).sort()).toEqual(Object.keys(incremental).sort());
      await cli(['schedule', 'unpause']);
      expect((await json(['schedule', 'show']))[0]).toMatchObject({ paused: false, note: '0 3 * * * (UTC)' });
    } finally {
      await cli(['schedule', 'delete']);
    }
  });

  it('exits 2 on a usage error, naming it', async () => {
    const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(__dirname, '../../src/client.ts'), 'runs', '--limit', '0']).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain('sync: --limit must be a whole number from 1 to 10000, not "0"');
  });
});
