import { parseArgs } from 'node:util';
import { Client, Connection, WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { z } from 'zod';
import { ConfigurationError, loadTemporalConfig, parseRunInput, temporalConnectionOptions, type TemporalConfig } from './config';
import type { Duration } from '@temporalio/common';
import { applySchedules, cronProblem, DEFAULT_CRON, deleteSchedules, describeSchedules, timezoneProblem, triggerSchedule, type ScheduleSettings } from './cli/schedule';
import type { Progress, SyncInput, SyncMode, SyncSummary, TuningChange } from './sync-types';
import { tuningProblem, type NumericTuningField } from './tuning';
import { pauseSignal, progressQuery, resumeSignal, setTuningUpdate } from './workflows/messages';

export const WORKFLOW_TYPE = 'SyncCarsWorkflow';
/** Prefix of the ids `start` gives runs (`car-sync-<timestamp>`) unless `--id` is given. */
export const DEFAULT_WORKFLOW_ID = 'car-sync';

/** The CLI's exit codes (interface.md): 3 is a run that completed with something a person must look at. */
export const EXIT = { ok: 0, failed: 1, usage: 2, attention: 3 } as const;

const USAGE = `usage: npm run sync -- <verb> [flags]

verbs:
  start     start a sync run          [--mode full|incremental] [--follow] [--id ID] [--input JSON]
  status    show a run's progress     [--id ID]
  pause     stop new upstream requests of a running sync   [--id ID]
  resume    let a paused sync go on   [--id ID]
  cancel    cancel a running sync (removes nothing)        [--id ID]
  tune      change a running sync's rate or concurrency    [--id ID] [--rps N] [--concurrency N]
  schedule  the nightly schedule: create|update [--cron C] [--timezone TZ] [--catchup D]
            [--incremental-cron C] (update sets every setting, defaults for those not given),
            show, delete, trigger [--mode full|incremental]

flags:
  --id ID        workflow id; start defaults to ${DEFAULT_WORKFLOW_ID}-<timestamp>, the other verbs
                 to the running sync (status: the latest run)
  --mode MODE    full (default) or incremental
  --input JSON   the SyncCarsWorkflow input object, e.g. '{"concurrency":4}'
  --follow       after start, show live progress until the run ends, then its summary
  --rps N        requests per second for tune (0: none of its own; the upstream's advertised limit still applies)
  --concurrency N  page ranges in flight for tune
  --cron C       nightly full sync cron, default "${DEFAULT_CRON}"
  --timezone TZ  IANA time zone of the crons, default UTC
  --catchup D    how late a missed scheduled run may still start, default 1h (e.g. 30m, 6h)
  --incremental-cron C   also run an incremental sync on this cron, e.g. "0 * * * *"
  --help         this text

exit codes: 0 completed and verified (or the verb was done), 1 failed or cancelled, 2 usage error,
  3 completed with something to look at: completeness not verified, or the removal brake tripped

environment: TEMPORAL_ADDRESS (localhost:7233), TEMPORAL_NAMESPACE (default), TEMPORAL_TASK_QUEUE (car-sync)`;

/** Where the CLI writes: stdout, or a test's buffer. On a terminal, progress redraws one line. */
export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

export class UsageError extends Error {
  readonly name = 'UsageError';
}

/** `start` found another sync holding the database: nothing was started (exit 1). */
export class SyncRefusedError extends Error {
  readonly name = 'SyncRefusedError';
}

const verbs = ['start', 'status', 'pause', 'resume', 'cancel', 'tune', 'schedule'] as const;
type Verb = (typeof verbs)[number];
const scheduleActions = ['create', 'update', 'show', 'delete', 'trigger'] as const;
type ScheduleAction = (typeof scheduleActions)[number];

const inputSchema = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: '--input is not valid JSON' });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string(), z.unknown(), { error: '--input must be a JSON object' }))
  .transform((input, ctx) => {
    // The same check the run makes, so a bad field is refused here with the run never started.
    const parsed = parseRunInput(input);
    if ('input' in parsed) return parsed.input as SyncInput;
    ctx.addIssue({ code: 'custom', message: `--input: ${parsed.problems}` });
    return z.NEVER;
  });

export interface Command {
  verb: Verb;
  id?: string;
  follow: boolean;
  input: SyncInput;
  tuning?: TuningChange;
  schedule?: { action: ScheduleAction; settings: Omit<ScheduleSettings, 'taskQueue'> };
}

export function parseCommand(argv: string[]): Command | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        id: { type: 'string' },
        mode: { type: 'string' },
        input: { type: 'string' },
        follow: { type: 'boolean', default: false },
        rps: { type: 'string' },
        concurrency: { type: 'string' },
        cron: { type: 'string' },
        timezone: { type: 'string' },
        catchup: { type: 'string' },
        'incremental-cron': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
  const { values, positionals } = parsed;
  if (values.help || positionals[0] === 'help') return 'help';
  const [verb, ...extra] = positionals;
  if (!verb) throw new UsageError('missing verb');
  if (!(verbs as readonly string[]).includes(verb)) throw new UsageError(`unknown verb "${verb}" (expected one of ${verbs.join(', ')})`);
  const action = verb === 'schedule' ? extra.shift() : undefined;
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const allowed: Record<Verb, string[]> = {
    start: ['id', 'mode', 'input', 'follow'],
    status: ['id'],
    pause: ['id'],
    resume: ['id'],
    cancel: ['id'],
    tune: ['id', 'rps', 'concurrency'],
    schedule: action === 'trigger' ? ['mode'] : ['cron', 'timezone', 'catchup', 'incremental-cron'],
  };
  const given = Object.entries(values).filter(([name, value]) => name !== 'help' && value !== undefined && value !== false);
  const misplaced = given.find(([name]) => !allowed[verb as Verb].includes(name));
  if (misplaced) throw new UsageError(`--${misplaced[0]} does not apply to ${verb}${action ? ` ${action}` : ''}`);
  if (verb === 'tune') return { verb, id: values.id, follow: false, input: {}, tuning: parseTuning(values.rps, values.concurrency) };
  if (verb === 'schedule') {
    if (!action || !(scheduleActions as readonly string[]).includes(action)) {
      throw new UsageError(`schedule needs one of ${scheduleActions.join(', ')}${action ? `, not "${action}"` : ''}`);
    }
    const settings = {
      cron: values.cron ?? DEFAULT_CRON,
      incrementalCron: values['incremental-cron'] ?? null,
      timezone: values.timezone ?? 'UTC',
      catchupWindow: (values.catchup ?? '1h') as Duration,
    };
    const problem =
      cronProblem(settings.cron) ?? (settings.incrementalCron && cronProblem(settings.incrementalCron)) ?? timezoneProblem(settings.timezone);
    if (problem) throw new UsageError(problem);
    if (!/^\d+(s|m|h|d)$/.test(settings.catchupWindow as string)) throw new UsageError(`--catchup must look like 30m, 6h or 1d, not "${values.catchup}"`);
    return { verb, follow: false, input: modeInput(values.mode), schedule: { action: action as ScheduleAction, settings } };
  }
  let input: SyncInput = {};
  if (values.input !== undefined) {
    const result = inputSchema.safeParse(values.input);
    if (!result.success) throw new UsageError(result.error.issues[0].message);
    input = result.data;
  }
  return { verb: verb as Verb, id: values.id, follow: values.follow ?? false, input: { ...input, ...modeInput(values.mode) } };
}

function modeInput(mode: string | undefined): { mode?: SyncMode } {
  if (mode === undefined) return {};
  if (mode !== 'full' && mode !== 'incremental') throw new UsageError(`--mode must be full or incremental, not "${mode}"`);
  return { mode };
}

function parseTuning(rps: string | undefined, concurrency: string | undefined): TuningChange {
  if (rps === undefined && concurrency === undefined) throw new UsageError('tune needs --rps and/or --concurrency');
  const value = (flag: string, field: NumericTuningField, text: string): number => {
    const number = /^\d+(\.\d+)?$/.test(text) ? Number(text) : text;
    const problem = tuningProblem(field, number);
    if (problem) throw new UsageError(`${flag}: ${problem}`);
    return number as number;
  };
  return {
    ...(rps !== undefined && { requestsPerSecond: value('--rps', 'requestsPerSecond', rps) }),
    ...(concurrency !== undefined && { concurrency: value('--concurrency', 'concurrency', concurrency) }),
  };
}

async function connect(config: TemporalConfig): Promise<Client> {
  try {
    const connection = await Connection.connect({ ...temporalConnectionOptions(config), connectTimeout: '5 seconds' });
    return new Client({ connection, namespace: config.namespace });
  } catch (err) {
    throw new ConfigurationError(`cannot reach Temporal at ${config.address} (TEMPORAL_ADDRESS): ${(err as Error).message}`);
  }
}

export function formatProgress(p: Progress): string {
  const width = 30;
  const share = p.pagesTotal > 0 ? Math.min(1, p.pagesDone / p.pagesTotal) : 0;
  const bar = '#'.repeat(Math.round(share * width)).padEnd(width, '.');
  const eta = p.etaSeconds === null ? '' : `  ETA ${p.etaSeconds}s`;
  const anomalies = p.anomalies > 0 ? `  ${p.anomalies} page(s) broke the API contract` : '';
  return `[${bar}] ${p.state}  pages ${p.pagesDone}/${p.pagesTotal}  cars ${p.carsSeen}/${p.carsTotal}  ${p.rowsPerSecond} cars/s${eta}${anomalies}`;
}

export function formatSummary(s: SyncSummary): string {
  const rows: [string, string | number | boolean][] = [
    ['status', s.status], ['mode', s.mode], ['pages', s.pages], ['cars seen', s.carsSeen], ['inserted', s.inserted],
    ['updated', s.updated], ['unchanged', s.unchanged], ['removed', s.removed], ['rejected', s.rejected],
    ['retries', s.retries], ['verified', s.verified], ['removal brake tripped', s.removalBrakeTripped],
    ['duration (s)', s.durationSeconds.toFixed(1)], ['cars/s', s.rowsPerSecond],
  ];
  const reasons = s.unverifiedReasons.map((reason) => `\n    - ${reason}`).join('');
  return rows.map(([k, v]) => `  ${k.padEnd(22)} ${v}`).join('\n') + (s.verified ? '' : `\n  not verified because:${reasons}`);
}

/** 0 only for a run that completed and proved it; 3 when it completed with something to look at. */
export function exitCodeOf(s: SyncSummary): number {
  if (s.status === 'failed' || s.status === 'cancelled') return EXIT.failed;
  return s.status === 'completed' && s.verified && !s.removalBrakeTripped ? EXIT.ok : EXIT.attention;
}

/**
 * The sync running on this task queue, if any. The queue's workers share one database, so that run
 * holds its tables, and the run `start` would begin refuses to start (SyncAlreadyRunningError).
 */
async function runningSync(client: Client, taskQueue: string): Promise<{ workflowId: string; runId: string } | null> {
  const query = `WorkflowType = '${WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue}'`;
  for await (const execution of client.workflow.list({ query, pageSize: 1 })) return execution;
  return null;
}

/** The running sync (or, for `status`, the latest one) when no `--id` is given. */
async function latestRunId(client: Client, runningOnly: boolean): Promise<string> {
  const queries = [`WorkflowType = '${WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`];
  if (!runningOnly) queries.push(`WorkflowType = '${WORKFLOW_TYPE}'`);
  for (const query of queries) {
    for await (const execution of client.workflow.list({ query, pageSize: 1 })) return execution.workflowId;
  }
  throw new UsageError(runningOnly ? 'no sync is running; give --id to address a specific run' : 'no sync run found');
}

async function follow(handle: WorkflowHandle, out: Output): Promise<SyncSummary> {
  const result = handle.result() as Promise<SyncSummary>;
  let finished = false;
  void result.finally(() => (finished = true)).catch(() => undefined);
  while (!finished) {
    try {
      const line = formatProgress(await handle.query(progressQuery));
      out.write(out.isTTY ? `\r${line}\x1b[K` : `${line}\n`);
    } catch {
      // The run may not have started its first task yet; the next tick asks again.
    }
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
  }
  if (out.isTTY) out.write('\n');
  return result;
}

/** Runs one verb; resolves to the exit code (see EXIT). */
export async function run(command: Command, config: TemporalConfig, out: Output = process.stdout): Promise<number> {
  const client = await connect(config);
  try {
    if (command.schedule) {
      const { action, settings } = command.schedule;
      const lines =
        action === 'show'
          ? [await describeSchedules(client)]
          : action === 'delete'
            ? await deleteSchedules(client)
            : action === 'trigger'
              ? [await triggerSchedule(client, command.input.mode ?? 'full')]
              : await applySchedules(client, { ...settings, taskQueue: config.taskQueue }, action);
      out.write(`${lines.join('\n')}\n`);
      return EXIT.ok;
    }
    if (command.verb === 'start') {
      const holder = await runningSync(client, config.taskQueue);
      if (holder) {
        throw new SyncRefusedError(
          `not started: ${holder.workflowId} (run ${holder.runId}) is syncing this database, and one sync runs at a time; ` +
            `wait for it (npm run sync -- status --id ${holder.workflowId}) or cancel it (npm run sync -- cancel --id ${holder.workflowId})`,
        );
      }
      const workflowId = command.id ?? `${DEFAULT_WORKFLOW_ID}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      const handle = await client.workflow.start(WORKFLOW_TYPE, { workflowId, taskQueue: config.taskQueue, args: [command.input] });
      out.write(`started ${WORKFLOW_TYPE} ${workflowId} (run ${handle.firstExecutionRunId}) on ${config.taskQueue}\n`);
      if (!command.follow) return EXIT.ok;
      const summary = await follow(handle, out);
      out.write(`summary:\n${formatSummary(summary)}\n`);
      return exitCodeOf(summary);
    }
    const id = command.id ?? (await latestRunId(client, command.verb !== 'status'));
    const handle = client.workflow.getHandle(id);
    if (command.verb === 'status') {
      const description = await handle.describe();
      const status = description.status.name;
      out.write(`${id}: ${status}\n`);
      if (status === 'RUNNING') {
        out.write(`${formatProgress(await handle.query(progressQuery))}\n`);
        return EXIT.ok;
      }
      if (status !== 'COMPLETED') return EXIT.failed;
      const summary = (await handle.result()) as SyncSummary;
      out.write(`summary:\n${formatSummary(summary)}\n`);
      return exitCodeOf(summary);
    }
    if (command.verb === 'tune') {
      const tuning = await handle.executeUpdate(setTuningUpdate, { args: [command.tuning!] });
      out.write(`${id}: requestsPerSecond ${tuning.requestsPerSecond || 'not set (the upstream\'s advertised limit only)'}, concurrency ${tuning.concurrency}\n`);
      return EXIT.ok;
    }
    if (command.verb === 'pause') await handle.signal(pauseSignal);
    if (command.verb === 'resume') await handle.signal(resumeSignal);
    if (command.verb === 'cancel') await handle.cancel();
    out.write(`${command.verb} sent to ${id}\n`);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new UsageError(`no sync run with workflow id "${command.id}"`);
    if (err instanceof WorkflowUpdateFailedError) throw new UsageError(`the run refused the change: ${err.cause?.message ?? err.message}`);
    throw err;
  } finally {
    await client.connection.close();
  }
}

async function main(): Promise<number> {
  const command = parseCommand(process.argv.slice(2));
  if (command === 'help') {
    console.log(USAGE);
    return EXIT.ok;
  }
  return run(command, loadTemporalConfig());
}

if (require.main === module) {
  // An exit code, not an exit: output still on its way to a pipe is written first.
  main().then((code) => void (process.exitCode = code), (err: Error) => {
    const known = err instanceof UsageError || err instanceof ConfigurationError;
    console.error(known ? `sync: ${err.message}` : `sync: ${err.message ?? err}`);
    if (err instanceof UsageError) console.error('run `npm run sync -- --help` for usage');
    process.exit(err instanceof UsageError ? EXIT.usage : EXIT.failed);
  });
}
