import { parseArgs } from 'node:util';
import { Client, Connection, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { z } from 'zod';
import { ConfigurationError, loadTemporalConfig, type TemporalConfig } from './config';
import type { Progress, SyncInput, SyncSummary } from './sync-types';
import { pauseSignal, progressQuery, resumeSignal } from './workflows/messages';

export const WORKFLOW_TYPE = 'SyncCarsWorkflow';
/** Prefix of the ids `start` gives runs (`car-sync-<timestamp>`) unless `--id` is given. */
export const DEFAULT_WORKFLOW_ID = 'car-sync';

const USAGE = `usage: npm run sync -- <verb> [flags]

verbs:
  start     start a sync run          [--mode full|incremental] [--follow] [--id ID] [--input JSON]
  status    show a run's progress     [--id ID]
  pause     stop new upstream requests of a running sync   [--id ID]
  resume    let a paused sync go on   [--id ID]
  cancel    cancel a running sync (removes nothing)        [--id ID]

flags:
  --id ID        workflow id; start defaults to ${DEFAULT_WORKFLOW_ID}-<timestamp>, the other verbs
                 to the running sync (status: the latest run)
  --mode MODE    full (default) or incremental
  --input JSON   the SyncCarsWorkflow input object, e.g. '{"concurrency":4}'
  --follow       after start, show live progress until the run ends, then its summary
  --help         this text

environment: TEMPORAL_ADDRESS (localhost:7233), TEMPORAL_NAMESPACE (default), TEMPORAL_TASK_QUEUE (car-sync)`;

class UsageError extends Error {
  readonly name = 'UsageError';
}

const verbs = ['start', 'status', 'pause', 'resume', 'cancel'] as const;
type Verb = (typeof verbs)[number];

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
  .pipe(z.record(z.string(), z.unknown(), { error: '--input must be a JSON object' }));

export interface Command {
  verb: Verb;
  id?: string;
  follow: boolean;
  input: SyncInput;
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
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (verb !== 'start' && (values.mode || values.input || values.follow)) throw new UsageError(`--mode, --input and --follow apply to start only`);
  let input: SyncInput = {};
  if (values.input !== undefined) {
    const result = inputSchema.safeParse(values.input);
    if (!result.success) throw new UsageError(result.error.issues[0].message);
    input = result.data as SyncInput;
  }
  if (values.mode !== undefined) {
    if (values.mode !== 'full' && values.mode !== 'incremental') throw new UsageError(`--mode must be full or incremental, not "${values.mode}"`);
    input = { ...input, mode: values.mode };
  }
  return { verb: verb as Verb, id: values.id, follow: values.follow ?? false, input };
}

async function connect(config: TemporalConfig): Promise<Client> {
  try {
    const connection = await Connection.connect({ address: config.address, connectTimeout: '5 seconds' });
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
  return `[${bar}] ${p.state}  pages ${p.pagesDone}/${p.pagesTotal}  cars ${p.carsSeen}/${p.carsTotal}  ${p.rowsPerSecond} cars/s${eta}`;
}

export function formatSummary(s: SyncSummary): string {
  const rows: [string, string | number | boolean][] = [
    ['status', s.status], ['mode', s.mode], ['pages', s.pages], ['cars seen', s.carsSeen], ['inserted', s.inserted],
    ['updated', s.updated], ['unchanged', s.unchanged], ['removed', s.removed], ['rejected', s.rejected],
    ['retries', s.retries], ['removal brake tripped', s.removalBrakeTripped], ['duration (s)', s.durationSeconds.toFixed(1)],
    ['cars/s', s.rowsPerSecond],
  ];
  return rows.map(([k, v]) => `  ${k.padEnd(22)} ${v}`).join('\n');
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

async function follow(handle: WorkflowHandle, out: NodeJS.WriteStream): Promise<SyncSummary> {
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

export async function run(command: Command, config: TemporalConfig, out: NodeJS.WriteStream = process.stdout): Promise<void> {
  const client = await connect(config);
  try {
    if (command.verb === 'start') {
      const workflowId = command.id ?? `${DEFAULT_WORKFLOW_ID}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      const handle = await client.workflow.start(WORKFLOW_TYPE, { workflowId, taskQueue: config.taskQueue, args: [command.input] });
      out.write(`started ${WORKFLOW_TYPE} ${workflowId} (run ${handle.firstExecutionRunId}) on ${config.taskQueue}\n`);
      if (command.follow) out.write(`summary:\n${formatSummary(await follow(handle, out))}\n`);
      return;
    }
    const id = command.id ?? (await latestRunId(client, command.verb !== 'status'));
    const handle = client.workflow.getHandle(id);
    if (command.verb === 'status') {
      const description = await handle.describe();
      out.write(`${id}: ${description.status.name}\n`);
      if (description.status.name === 'RUNNING') out.write(`${formatProgress(await handle.query(progressQuery))}\n`);
      else if (description.status.name === 'COMPLETED') out.write(`summary:\n${formatSummary((await handle.result()) as SyncSummary)}\n`);
      return;
    }
    if (command.verb === 'pause') await handle.signal(pauseSignal);
    if (command.verb === 'resume') await handle.signal(resumeSignal);
    if (command.verb === 'cancel') await handle.cancel();
    out.write(`${command.verb} sent to ${id}\n`);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new UsageError(`no sync run with workflow id "${command.id}"`);
    throw err;
  } finally {
    await client.connection.close();
  }
}

async function main(): Promise<void> {
  const command = parseCommand(process.argv.slice(2));
  if (command === 'help') {
    console.log(USAGE);
    return;
  }
  await run(command, loadTemporalConfig());
}

if (require.main === module) {
  main().catch((err: Error) => {
    const known = err instanceof UsageError || err instanceof ConfigurationError;
    console.error(known ? `sync: ${err.message}` : `sync: ${err.message ?? err}`);
    if (err instanceof UsageError) console.error('run `npm run sync -- --help` for usage');
    process.exit(err instanceof UsageError ? 2 : 1);
  });
}
