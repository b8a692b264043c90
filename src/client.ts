import { parseArgs } from 'node:util';
import {
  Client,
  Connection,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { Pool } from 'pg';
import { z } from 'zod';
import { ConfigurationError, loadDatabaseUrl, loadTemporalConfig, parseRunInput, temporalConnectionOptions, type TemporalConfig } from './config';
import { formatChecks, runChecks } from './cli/check';
import { failureOf, type RunFailure } from './cli/failure';
import { formatRejects, formatRuns, LEDGER_STATUSES, listRuns, rejectsReport } from './cli/ledger';
import { runLabels } from './cli/run-labels';
import { noWorkerMessage, WORKER_CHECK_INTERVAL_MS, workerPolls } from './cli/workers';
import type { Duration } from '@temporalio/common';
import {
  applySchedules,
  cronProblem,
  DEFAULT_CRON,
  deleteSchedules,
  formatSchedules,
  scheduleStates,
  setSchedulesPaused,
  timezoneProblem,
  triggerSchedule,
  type ScheduleSettings,
} from './cli/schedule';
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
  status    show a run (the running one, or the latest; scheduled ones too)   [--id ID] [--follow] [--json]
  runs      the run ledger, newest first (needs DATABASE_URL)      [--limit N] [--status S] [--json]
  rejects   invalid upstream records kept aside: reasons counted, latest examples (needs DATABASE_URL)
            [--run ID] [--limit N] [--json]
  check     check every requirement in order: config, Temporal, database, API key, a polling worker [--json]
  pause     stop new upstream requests of a running sync   [--id ID]
  resume    let a paused sync go on   [--id ID]
  cancel    cancel a running sync (removes nothing)        [--id ID]
  tune      change a running sync's rate or concurrency    [--id ID] [--rps N] [--concurrency N]
  schedule  the nightly schedule: create|update [--cron C] [--timezone TZ] [--catchup D]
            [--incremental-cron C] (update sets every setting, defaults for those not given),
            show [--json], pause|unpause [--note TEXT], delete, trigger [--mode full|incremental]

flags:
  --id ID        workflow id; start defaults to ${DEFAULT_WORKFLOW_ID}-<timestamp>, the other verbs
                 to the running sync (status: the latest run)
  --mode MODE    full (default) or incremental
  --input JSON   the SyncCarsWorkflow input object, e.g. '{"concurrency":4}'
  --follow       show live progress until the run ends, then its summary (or why it failed)
  --json         one JSON object (runs: an array) for scripts, instead of text
  --limit N      most runs (default 20) or reject examples (default 5) shown
  --status S     only runs with this ledger status: ${LEDGER_STATUSES.join(', ')}
  --run ID       the rejects first seen by this run (a workflow or run id); default all kept
  --note TEXT    why a schedule is paused or unpaused, shown by schedule show
  --rps N        requests per second for tune (0: none of its own; the upstream's advertised limit still applies)
  --concurrency N  page ranges in flight for tune
  --cron C       nightly full sync cron, default "${DEFAULT_CRON}"
  --timezone TZ  IANA time zone of the crons, default UTC
  --catchup D    how late a missed scheduled run may still start, default 1h (e.g. 30m, 6h)
  --incremental-cron C   also run an incremental sync on this cron, e.g. "0 * * * *"
  --help         this text

exit codes: 0 completed and verified (or the verb was done; status: still running), 1 failed or
  cancelled (check: a requirement is not met), 2 usage error, 3 completed with something to look at:
  completeness not verified, or the removal brake tripped

environment: TEMPORAL_ADDRESS (localhost:7233), TEMPORAL_NAMESPACE (default), TEMPORAL_TASK_QUEUE (car-sync);
  DATABASE_URL for runs and rejects; check reads the worker's whole environment`;

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

const verbs = ['start', 'status', 'runs', 'rejects', 'check', 'pause', 'resume', 'cancel', 'tune', 'schedule'] as const;
type Verb = (typeof verbs)[number];
const scheduleActions = ['create', 'update', 'show', 'pause', 'unpause', 'delete', 'trigger'] as const;
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
  /** One JSON value on stdout instead of text (read verbs). */
  json?: boolean;
  input: SyncInput;
  tuning?: TuningChange;
  schedule?: { action: ScheduleAction; settings: Omit<ScheduleSettings, 'taskQueue'>; note?: string };
  /** runs: how many and which; rejects: how many examples, of which run. */
  limit?: number;
  status?: string;
  run?: string;
}

/** Default rows of `runs` and examples of `rejects`. */
const DEFAULT_LIMIT = { runs: 20, rejects: 5 } as const;

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
        json: { type: 'boolean', default: false },
        limit: { type: 'string' },
        status: { type: 'string' },
        run: { type: 'string' },
        note: { type: 'string' },
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
  const scheduleFlags: Record<string, string[]> = { trigger: ['mode'], show: ['json'], pause: ['note'], unpause: ['note'], delete: [] };
  const allowed: Record<Verb, string[]> = {
    start: ['id', 'mode', 'input', 'follow'],
    status: ['id', 'follow', 'json'],
    runs: ['limit', 'status', 'json'],
    rejects: ['run', 'limit', 'json'],
    check: ['json'],
    pause: ['id'],
    resume: ['id'],
    cancel: ['id'],
    tune: ['id', 'rps', 'concurrency'],
    schedule: scheduleFlags[action ?? ''] ?? ['cron', 'timezone', 'catchup', 'incremental-cron'],
  };
  const given = Object.entries(values).filter(([name, value]) => name !== 'help' && value !== undefined && value !== false);
  const misplaced = given.find(([name]) => !allowed[verb as Verb].includes(name));
  if (misplaced) throw new UsageError(`--${misplaced[0]} does not apply to ${verb}${action ? ` ${action}` : ''}`);
  const json = values.json ?? false;
  if (verb === 'tune') return { verb, id: values.id, follow: false, json, input: {}, tuning: parseTuning(values.rps, values.concurrency) };
  if (verb === 'runs' || verb === 'rejects') {
    if (values.status !== undefined && !(LEDGER_STATUSES as readonly string[]).includes(values.status)) {
      throw new UsageError(`--status must be one of ${LEDGER_STATUSES.join(', ')}, not "${values.status}"`);
    }
    const limit = values.limit === undefined ? DEFAULT_LIMIT[verb] : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError(`--limit must be a whole number from 1 to 10000, not "${values.limit}"`);
    return { verb, follow: false, json, input: {}, limit, status: values.status, run: values.run };
  }
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
    const problem = cronProblem(settings.cron) ?? (settings.incrementalCron && cronProblem(settings.incrementalCron)) ?? timezoneProblem(settings.timezone);
    if (problem) throw new UsageError(problem);
    if (!/^\d+(s|m|h|d)$/.test(settings.catchupWindow as string)) throw new UsageError(`--catchup must look like 30m, 6h or 1d, not "${values.catchup}"`);
    return { verb, follow: false, json, input: modeInput(values.mode), schedule: { action: action as ScheduleAction, settings, note: values.note } };
  }
  let input: SyncInput = {};
  if (values.input !== undefined) {
    const result = inputSchema.safeParse(values.input);
    if (!result.success) throw new UsageError(result.error.issues[0].message);
    input = result.data;
  }
  return { verb: verb as Verb, id: values.id, follow: values.follow ?? false, json, input: { ...input, ...modeInput(values.mode) } };
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
    ['status', s.status],
    ['mode', s.mode],
    ['pages', s.pages],
    ['cars seen', s.carsSeen],
    ['inserted', s.inserted],
    ['updated', s.updated],
    ['unchanged', s.unchanged],
    ['removed', s.removed],
    ['rejected', s.rejected],
    ['retries', s.retries],
    ['verified', s.verified],
    ['removal brake tripped', s.removalBrakeTripped],
    ['duration (s)', s.durationSeconds.toFixed(1)],
    ['cars/s', s.rowsPerSecond],
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
  // The ledger names a sync by its first run, which it keeps when it continues as new.
  for await (const { workflowId, runId, raw } of client.workflow.list({ query, pageSize: 1 })) return { workflowId, runId: raw.firstRunId || runId };
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

/**
 * Shows a run's progress until it ends, saying within seconds when no worker polls its task queue (the
 * run would wait for one in silence). With `quiet`, only that warning is written, to stderr.
 */
async function follow(client: Client, handle: WorkflowHandle, taskQueue: string, out: Output, quiet = false): Promise<SyncSummary> {
  const result = handle.result() as Promise<SyncSummary>;
  let finished = false;
  void result.finally(() => (finished = true)).catch(() => undefined);
  let workerPolling = true;
  while (!finished) {
    // A failed look at the queue says nothing about the worker: the run's own answer decides.
    const polling = await workerPolls(client, taskQueue).catch(() => true);
    if (workerPolling && !polling) (quiet ? process.stderr : out).write(`${noWorkerMessage(taskQueue)}\n`);
    workerPolling = polling;
    if (polling && !quiet) {
      try {
        const line = formatProgress(await handle.query(progressQuery));
        out.write(out.isTTY ? `\r${line}\x1b[K` : `${line}\n`);
      } catch {
        // The run may not have started its first task yet; the next tick asks again.
      }
    }
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, WORKER_CHECK_INTERVAL_MS))]);
  }
  if (out.isTTY && !quiet) out.write('\n');
  return result;
}

/** The ledger's run id of a sync: its first run's, which a sync keeps when it continues as new. */
function ledgerRunId({ runId, raw }: WorkflowExecutionDescription): string {
  return raw.workflowExecutionInfo?.firstRunId || runId;
}

/** `status --json`: one stable object whatever the run's state; fields that do not apply are null. */
export interface StatusReport {
  workflowId: string;
  /** The ledger's run id (the first run's), as `runs` lists it. */
  runId: string;
  /** Temporal's status in lower case: running, completed, failed, cancelled, terminated, timed_out, ... */
  status: string;
  progress: Progress | null;
  summary: SyncSummary | null;
  failure: RunFailure | null;
  exitCode: number;
}

/** The run's ending: its summary and exit code, or why it failed (exit 1). */
async function ending(result: Promise<SyncSummary>): Promise<Pick<StatusReport, 'summary' | 'failure' | 'exitCode'>> {
  try {
    const summary = await result;
    return { summary, failure: null, exitCode: exitCodeOf(summary) };
  } catch (err) {
    const failure = failureOf(err);
    if (failure === null && !(err instanceof WorkflowFailedError)) throw err;
    return { summary: null, failure, exitCode: EXIT.failed };
  }
}

function formatEnding({ summary, failure }: Pick<StatusReport, 'summary' | 'failure'>): string {
  if (summary) return `summary:\n${formatSummary(summary)}\n`;
  if (failure) return `failed: ${failure.type}: ${failure.message}\nto fix: ${failure.fix}\n`;
  return '';
}

/** Runs one verb that needs Temporal; resolves to the exit code (see EXIT). */
export async function run(command: Command, config: TemporalConfig, out: Output = process.stdout): Promise<number> {
  const client = await connect(config);
  try {
    if (command.schedule) {
      const { action, settings, note } = command.schedule;
      if (action === 'show') {
        const states = await scheduleStates(client);
        out.write(`${command.json ? JSON.stringify(states) : formatSchedules(states)}\n`);
        return EXIT.ok;
      }
      const lines =
        action === 'delete'
          ? await deleteSchedules(client)
          : action === 'trigger'
            ? [await triggerSchedule(client, command.input.mode ?? 'full')]
            : action === 'pause' || action === 'unpause'
              ? await setSchedulesPaused(client, action === 'pause', note)
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
      const labels = runLabels(command.input.mode ?? 'full', 'manual');
      const handle = await client.workflow.start(WORKFLOW_TYPE, { workflowId, taskQueue: config.taskQueue, args: [command.input], ...labels });
      out.write(`started ${WORKFLOW_TYPE} ${workflowId} (run ${handle.firstExecutionRunId}) on ${config.taskQueue}\n`);
      if (!command.follow) return EXIT.ok;
      const end = await ending(follow(client, handle, config.taskQueue, out));
      out.write(formatEnding(end));
      return end.exitCode;
    }
    const id = command.id ?? (await latestRunId(client, command.verb !== 'status'));
    const handle = client.workflow.getHandle(id);
    if (command.verb === 'status') {
      const report = await statusOf(client, handle, command, out);
      if (command.json) out.write(`${JSON.stringify(report)}\n`);
      return report.exitCode;
    }
    if (command.verb === 'tune') {
      const tuning = await handle.executeUpdate(setTuningUpdate, { args: [command.tuning!] });
      out.write(
        `${id}: requestsPerSecond ${tuning.requestsPerSecond || "not set (the upstream's advertised limit only)"}, concurrency ${tuning.concurrency}\n`,
      );
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

/** A run's state; with `--follow`, once it has ended. Text goes to `out` unless `--json` was asked. */
async function statusOf(client: Client, handle: WorkflowHandle, command: Command, out: Output): Promise<StatusReport> {
  const description = await handle.describe();
  const base = { workflowId: description.workflowId, runId: ledgerRunId(description) };
  const text = (line: string) => void (command.json || out.write(line));
  text(`${base.workflowId}: ${description.status.name}\n`);
  if (description.status.name === 'RUNNING' && !command.follow) {
    const polling = await workerPolls(client, description.taskQueue).catch(() => true);
    if (!polling) {
      text(`${noWorkerMessage(description.taskQueue)}\n`);
      return { ...base, status: 'running', progress: null, summary: null, failure: null, exitCode: EXIT.ok };
    }
    const progress = await handle.query(progressQuery);
    text(`${formatProgress(progress)}\n`);
    return { ...base, status: 'running', progress, summary: null, failure: null, exitCode: EXIT.ok };
  }
  const result =
    description.status.name === 'RUNNING' ? follow(client, handle, description.taskQueue, out, command.json) : (handle.result() as Promise<SyncSummary>);
  const end = await ending(result);
  const status = command.follow ? (await handle.describe()).status.name : description.status.name;
  if (command.follow) text(`${base.workflowId}: ${status}\n`);
  text(formatEnding(end));
  return { ...base, status: status.toLowerCase(), progress: null, ...end };
}

/** `runs` and `rejects`: the ledger in PostgreSQL, which Temporal does not keep. */
export async function runLedgerVerb(command: Command, databaseUrl: string, out: Output = process.stdout): Promise<number> {
  const pool = new Pool({ connectionString: databaseUrl, max: 3 });
  try {
    if (command.verb === 'runs') {
      const runs = await listRuns(pool, { limit: command.limit!, status: command.status });
      out.write(`${command.json ? JSON.stringify(runs) : formatRuns(runs)}\n`);
    } else {
      const report = await rejectsReport(pool, { run: command.run, limit: command.limit! });
      out.write(`${command.json ? JSON.stringify(report) : formatRejects(report)}\n`);
    }
    return EXIT.ok;
  } catch (err) {
    throw new ConfigurationError(`cannot read the ledger at DATABASE_URL: ${(err as Error).message} (run \`npm run db:migrate\` if a table is missing)`);
  } finally {
    await pool.end();
  }
}

/** `check`: exit 0 when every requirement is met, 1 naming the first that is not. */
export async function runCheckVerb(command: Command, env: NodeJS.ProcessEnv, out: Output = process.stdout): Promise<number> {
  const results = await runChecks(env);
  const failed = results.find((r) => !r.ok) ?? null;
  out.write(`${command.json ? JSON.stringify({ ok: failed === null, failed: failed?.name ?? null, checks: results }) : formatChecks(results)}\n`);
  return failed ? EXIT.failed : EXIT.ok;
}

async function main(): Promise<number> {
  const command = parseCommand(process.argv.slice(2));
  if (command === 'help') {
    console.log(USAGE);
    return EXIT.ok;
  }
  if (command.verb === 'check') return runCheckVerb(command, process.env);
  // Only the ledger verbs read the database: the other verbs run where DATABASE_URL is not set.
  if (command.verb === 'runs' || command.verb === 'rejects') return runLedgerVerb(command, loadDatabaseUrl());
  return run(command, loadTemporalConfig());
}

if (require.main === module) {
  // An exit code, not an exit: output still on its way to a pipe is written first.
  main().then(
    (code) => void (process.exitCode = code),
    (err: Error) => {
      const known = err instanceof UsageError || err instanceof ConfigurationError;
      console.error(known ? `sync: ${err.message}` : `sync: ${err.message ?? err}`);
      if (err instanceof UsageError) console.error('run `npm run sync -- --help` for usage');
      process.exit(err instanceof UsageError ? EXIT.usage : EXIT.failed);
    },
  );
}
