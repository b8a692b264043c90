import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { parseCommand, run, UsageError, type Command } from '../../src/client';
import { SCHEDULE_IDS } from '../../src/cli/schedule';
import { progressQuery } from '../../src/workflows/messages';
import { startHarness, type Harness } from '../helpers/sync-harness';
import { waitFor } from '../helpers/wait';

/** Whether visibility lists the workflow as running, which the CLI's "the running sync" lookup reads. */
async function listedRunning(h: Harness, workflowId: string): Promise<boolean> {
  for await (const execution of h.client.workflow.list({ query: `WorkflowId = '${workflowId}' AND ExecutionStatus = 'Running'` }))
    return execution.workflowId === workflowId;
  return false;
}

function buffer() {
  const chunks: string[] = [];
  return { write: (t: string) => chunks.push(t), isTTY: false, text: () => chunks.join('') };
}

describe('the sync CLI', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 111, size: 3_000, latencyMs: 20 }, env: { CARSYNC_PAGE_SIZE: '100', CARSYNC_CONCURRENCY: '2' } });
  });
  afterAll(() => h?.close());

  const config = () => ({ address: process.env.CARSYNC_TEST_TEMPORAL_ADDRESS!, namespace: 'default', taskQueue: h.taskQueue });
  const cli = async (argv: string[]) => {
    const out = buffer();
    await run(parseCommand(argv) as Command, config(), out);
    return out.text();
  };

  it('starts, shows, pauses, resumes, tunes and follows a sync to its summary', async () => {
    const id = `cli-${Date.now()}`;
    expect(await cli(['start', '--id', id])).toContain(`started SyncCarsWorkflow ${id}`);
    const started = await h.client.workflow.getHandle(id).describe();
    expect(started.memo).toEqual({ mode: 'full', trigger: 'manual' });
    expect(await started.staticSummary()).toBe('carsync full sync, started by hand');
    await waitFor('5 upstream requests', () => h.sim.stats.requests >= 5);
    expect(await cli(['pause', '--id', id])).toBe(`pause sent to ${id}\n`);
    await waitFor('the run to report paused', async () => (await h.client.workflow.getHandle(id).query(progressQuery)).state === 'paused');
    expect(await cli(['status', '--id', id])).toMatch(/RUNNING\n\[[#.]+\] paused {2}pages \d+\/\d+/);
    expect(await cli(['tune', '--id', id, '--rps', '50'])).toContain('requestsPerSecond 50, concurrency 2');
    expect(await cli(['resume', '--id', id])).toBe(`resume sent to ${id}\n`);
    await h.client.workflow.getHandle(id).result();
    const status = await cli(['status', '--id', id]);
    expect(status).toContain('COMPLETED');
    // The first sync reads the priority makes, then the whole listing: cars seen counts those twice.
    expect(status).toMatch(/inserted\s+\d{4}/);
  });

  it('follows a run it starts, with progress lines and a summary table', async () => {
    const out = await cli(['start', '--follow']);
    expect(out).toMatch(/\[[#.]{30}\] (running|starting|finishing|completed)/);
    expect(out).toMatch(/summary:\n {2}status\s+completed/);
    expect(out).toMatch(/cars\/s\s+\d+/);
  });

  it('finds the running sync when no --id is given, and cancels it', async () => {
    const started = await cli(['start']);
    const id = /started SyncCarsWorkflow (\S+)/.exec(started)![1];
    await waitFor(`${id} to be listed as running`, () => listedRunning(h, id));
    expect(await cli(['cancel'])).toBe(`cancel sent to ${id}\n`);
    await expect(h.client.workflow.getHandle(id).result()).rejects.toThrow();
  });

  it('creates, shows, triggers, updates and deletes the nightly schedule', async () => {
    expect(await cli(['schedule', 'create', '--cron', '0 3 * * *', '--timezone', 'Asia/Seoul', '--catchup', '2h'])).toContain(
      `created ${SCHEDULE_IDS.full}: 0 3 * * * (Asia/Seoul)`,
    );
    const described = await h.client.schedule.getHandle(SCHEDULE_IDS.full).describe();
    expect(described.spec.timezone).toBe('Asia/Seoul');
    expect(described.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 3, end: 3, step: 1 }], minute: [{ start: 0, end: 0, step: 1 }] });
    expect(described.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(described.policies.catchupWindow).toBe(2 * 3600 * 1000);
    expect(described.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'SyncCarsWorkflow',
      taskQueue: h.taskQueue,
      memo: { mode: 'full', trigger: 'schedule' },
      staticSummary: 'carsync full sync, scheduled',
    });
    await expect(cli(['schedule', 'create'])).rejects.toThrow('already exists');

    expect(await cli(['schedule', 'trigger'])).toContain(`triggered ${SCHEDULE_IDS.full}`);
    let runs: string[] = [];
    await waitFor(
      'the triggered run',
      async () => {
        runs = (await h.client.schedule.getHandle(SCHEDULE_IDS.full).describe()).info.recentActions.map((a) => a.action.workflow.workflowId);
        return runs.length > 0;
      },
      { everyMs: 100 },
    );
    const summary = await h.client.workflow.getHandle(runs[0]).result();
    expect(summary).toMatchObject({ status: 'completed', mode: 'full' });
    const scheduled = await h.client.workflow.getHandle(runs[0]).describe();
    expect(scheduled.memo).toEqual({ mode: 'full', trigger: 'schedule' });
    expect(await scheduled.staticSummary()).toBe('carsync full sync, scheduled');

    expect(await cli(['schedule', 'update', '--cron', '30 1 * * *', '--incremental-cron', '0 * * * *'])).toMatch(
      /updated carsync-nightly-full: 30 1 \* \* \* \(UTC\)\ncreated carsync-hourly-incremental: 0 \* \* \* \*/,
    );
    const shown = await cli(['schedule', 'show']);
    expect(shown).toContain('carsync-nightly-full: 30 1 * * * (UTC), overlap SKIP');
    expect(shown).toContain('carsync-hourly-incremental: 0 * * * * (UTC)');
    expect(await cli(['schedule', 'delete'])).toBe(`deleted ${SCHEDULE_IDS.full}\ndeleted ${SCHEDULE_IDS.incremental}\n`);
    expect(await cli(['schedule', 'show'])).toContain(`${SCHEDULE_IDS.full}: not scheduled`);
  });

  it('refuses a bad tuning value with the reason and leaves the run alone', async () => {
    const handle = await h.start({ concurrency: 1, requestsPerSecond: 20 });
    await waitFor('the run to answer queries', () =>
      handle.query(progressQuery).then(
        () => true,
        () => false,
      ),
    );
    await expect(cli(['tune', '--id', handle.workflowId, '--rps', '99999'])).rejects.toThrow(
      '--rps: requestsPerSecond must be 0 (no budget of its own) or a number from 1 to 10000, not 99999',
    );
    expect((await handle.result()).status).toBe('completed');
  });
});

describe('the sync CLI refuses bad arguments', () => {
  it.each([
    [['frobnicate'], 'unknown verb "frobnicate"'],
    [[], 'missing verb'],
    [['start', '--mode', 'sideways'], '--mode must be full or incremental'],
    [['start', '--input', '{nope'], '--input is not valid JSON'],
    [['start', '--input', '[1]'], '--input must be a JSON object'],
    [['start', '--bogus'], "Unknown option '--bogus'"],
    [['pause', '--follow'], '--follow does not apply to pause'],
    [['tune'], 'tune needs --rps and/or --concurrency'],
    [['start', '--input', 'null'], '--input must be a JSON object'],
    [['start', '--input', '{"maxRemovalShare":true}'], '--input: maxRemovalShare must be a number from 0 to 1, not true'],
    [['tune', '--concurrency', '0'], '--concurrency: concurrency must be a whole number from 1 to 256, not 0'],
    [['tune', '--rps', '0.5'], '--rps: requestsPerSecond must be 0 (no budget of its own) or a number from 1 to 10000, not 0.5'],
    [['schedule'], 'schedule needs one of create, update, show, pause, unpause, delete, trigger'],
    [['schedule', 'create', '--timezone', 'Mars/Olympus'], 'not an IANA time zone'],
    [['schedule', 'create', '--catchup', 'soon'], '--catchup must look like 30m'],
  ])('%j', (argv, message) => {
    expect(() => parseCommand(argv)).toThrow(UsageError);
    expect(() => parseCommand(argv)).toThrow(message);
  });

  it('exits 2 with usage for bad arguments, and 1 naming TEMPORAL_ADDRESS when Temporal is unreachable', async () => {
    const tsx = join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
    const client = join(__dirname, '..', '..', 'src', 'client.ts');
    const bad = await promisify(execFile)(tsx, [client, 'frobnicate']).catch((e) => e);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('npm run sync -- --help');
    const down = await promisify(execFile)(tsx, [client, 'status'], { env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1' } }).catch((e) => e);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach Temporal at 127.0.0.1:1 (TEMPORAL_ADDRESS)');
  });
});
