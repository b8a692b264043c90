/**
 * Records the histories that test/replay/replay.test.ts replays: `npm run record:histories`.
 * Each scenario runs on the real servers (a Temporal dev server, an embedded PostgreSQL and the
 * simulator) through the test harness, then its parent's and every child's history is written to
 * test/fixtures/histories/<scenario>/. Re-record only for a deliberate break (see docs/testing.md).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils';
import { startPostgres } from '../../src/dev/postgres';
import { findOrInstallTemporalCli, startTemporalDevServer } from '../../src/dev/temporal';
import { containsText } from '../helpers/history';
import { pauseSignal, progressQuery, resumeSignal, setTuningUpdate } from '../../src/workflows/messages';
import { startHarness, type Harness, type HarnessOptions } from '../helpers/sync-harness';
import { HISTORIES_DIR, parentWorkflowId } from './histories';

/** Small listings, so the fixtures stay small: a few ranges, tens of pages. */
const SMALL: HarnessOptions = { simulator: { seed: 301, size: 2_000 }, env: { CARSYNC_PAGE_SIZE: '100', CARSYNC_CONCURRENCY: '3' } };
/** Keys the recorded runs used: none may appear in a fixture. */
const KEYS = ['sim-key'];
/** A range continues as new once its history is this long (the server's default is 4 Ki events). */
const SUGGEST_CONTINUE_AS_NEW_AT = 8;
/** The parent continues as new every few ranges at this length; ranges do too, now and then. */
const PARENT_SUGGEST_CONTINUE_AS_NEW_AT = 40;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Execution {
  workflowId: string;
  runId: string;
  history: History;
}

let cliPath: string | undefined;

interface Scenario {
  name: string;
  options: HarnessOptions;
  /** Needs a server that suggests continue-as-new at this many events. */
  suggestContinueAsNewAt?: number;
  /** Starts the recorded run (named `workflowId`) and drives it to its end. */
  run(h: Harness, workflowId: string): Promise<void>;
}

const failed = (result: Promise<unknown>) =>
  result.then(
    () => {
      throw new Error('the run was expected to fail');
    },
    (err: unknown) => {
      if (!(err instanceof WorkflowFailedError)) throw err;
    },
  );

async function untilRequests(h: Harness, n: number): Promise<void> {
  while (h.sim.stats.requests < n) await sleep(20);
}

const SCENARIOS: Scenario[] = [
  {
    name: 'full-priority',
    options: { ...SMALL, simulator: { seed: 301, size: 3_000, latencyMs: 40 } },
    run: async (h, id) => void (await (await h.start({}, id)).result()),
  },
  {
    name: 'incremental',
    options: SMALL,
    run: async (h, id) => {
      await h.sync();
      for (const car of h.sim.dataset.validCars().filter((_, i) => i % 20 === 0)) h.sim.dataset.change(car.id);
      h.sim.dataset.list();
      await (await h.start({ mode: 'incremental' }, id)).result();
    },
  },
  {
    name: 'paused-resumed',
    options: { ...SMALL, simulator: { seed: 303, size: 2_000, latencyMs: 30 } },
    run: async (h, id) => {
      const handle = await h.start({}, id);
      await untilRequests(h, 8);
      await handle.signal(pauseSignal);
      while ((await handle.query(progressQuery)).state !== 'paused') await sleep(50);
      // Long enough for the running activities to stop and their ranges to wait for the resume.
      await sleep(3_000);
      await handle.signal(resumeSignal);
      await handle.result();
    },
  },
  {
    name: 'retuned',
    options: SMALL,
    run: async (h, id) => {
      const handle = await h.start({ requestsPerSecond: 10 }, id);
      await untilRequests(h, 6);
      await handle.executeUpdate(setTuningUpdate, { args: [{ requestsPerSecond: 60, concurrency: 4 }] });
      await handle.result();
    },
  },
  {
    name: 'backing-off',
    options: { ...SMALL, env: { CARSYNC_PAGE_SIZE: '100', CARSYNC_CONCURRENCY: '2' } },
    run: async (h, id) => {
      // Longer than a page's quick retries (about 15 s at most), so each range waits in the workflow once.
      let outage = false;
      h.sim.onRequest((query) => {
        if (outage || query.afterId === null) return;
        outage = true;
        h.sim.setFaults({ outageUntil: Date.now() + 20_000 });
      });
      const handle = await h.start({}, id);
      while ((await handle.query(progressQuery)).state !== 'backing-off') await sleep(200);
      await handle.result();
    },
  },
  {
    name: 'continued-as-new',
    options: { simulator: { seed: 306, size: 2_000, latencyMs: 150 }, env: { CARSYNC_PAGE_SIZE: '50', CARSYNC_CONCURRENCY: '2' } },
    suggestContinueAsNewAt: SUGGEST_CONTINUE_AS_NEW_AT,
    run: async (h, id) => void (await (await h.start({ priorityMakes: [] }, id)).result()),
  },
  {
    name: 'parent-continued-as-new',
    options: {
      simulator: { seed: 309, size: 3_000, latencyMs: 30 },
      env: { CARSYNC_PAGE_SIZE: '100', CARSYNC_CONCURRENCY: '2', CARSYNC_PAGES_PER_RANGE: '3' },
    },
    suggestContinueAsNewAt: PARENT_SUGGEST_CONTINUE_AS_NEW_AT,
    run: async (h, id) => {
      // A pause and a retune in the first run, so later runs carry both.
      const handle = await h.start({ requestsPerSecond: 40 }, id);
      await untilRequests(h, 6);
      await handle.signal(pauseSignal);
      while ((await handle.query(progressQuery)).state !== 'paused') await sleep(50);
      await handle.executeUpdate(setTuningUpdate, { args: [{ requestsPerSecond: 80, concurrency: 3 }] });
      await handle.signal(resumeSignal);
      await handle.result();
    },
  },
  {
    name: 'failed-auth',
    options: SMALL,
    run: async (h, id) => {
      // The key is refused in the middle of the run, so ranges are running when one fails.
      h.sim.onRequest((query) => {
        if (query.afterId !== null && h.sim.stats.requests >= 6) h.sim.setFaults({ forcedStatus: 401 });
      });
      await failed((await h.start({}, id)).result());
    },
  },
  {
    name: 'cancelled',
    options: { ...SMALL, simulator: { seed: 308, size: 2_000, latencyMs: 30 } },
    run: async (h, id) => {
      const handle = await h.start({}, id);
      await untilRequests(h, 8);
      await handle.cancel();
      await handle.result().catch(() => undefined);
    },
  },
];

/** The closed histories of a parent and of every run of each child it started, by fixture file name. */
async function closedHistories(client: Client, workflowId: string): Promise<Map<string, Execution>> {
  const files = new Map<string, Execution>();
  await untilClosed(client, workflowId);
  const firstRunId = (await client.workflow.getHandle(workflowId).describe()).raw.workflowExecutionInfo?.firstRunId;
  const parents = await runsOf(client, workflowId, firstRunId, 'parent');
  for (const [file, execution] of parents) files.set(file, execution);
  for (const event of [...parents.values()].flatMap((parent) => parent.history.events ?? [])) {
    const child = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    if (!child?.workflowId) continue;
    for (const [file, execution] of await runsOf(client, child.workflowId, child.runId, child.workflowId.slice(workflowId.length + 1)))
      files.set(file, execution);
  }
  return files;
}

/** A workflow's runs from `runId` on, following continue-as-new, by fixture file name. */
async function runsOf(client: Client, workflowId: string, runId: string | null | undefined, name: string): Promise<Map<string, Execution>> {
  const files = new Map<string, Execution>();
  for (let run = 1; runId; run++) {
    const execution = await untilClosed(client, workflowId, runId);
    files.set(run === 1 ? `${name}.json` : `${name}.run-${run}.json`, execution);
    runId = execution.history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  return files;
}

/** A cancelled parent may close before its children's cancellations are recorded. */
async function untilClosed(client: Client, workflowId: string, runId?: string): Promise<Execution> {
  const handle = client.workflow.getHandle(workflowId, runId);
  let description = await handle.describe();
  for (; description.status.name === 'RUNNING'; description = await handle.describe()) await sleep(100);
  return { workflowId, runId: description.runId, history: await handle.fetchHistory() };
}

/** The JSON the Web UI and `temporal workflow show` export, which other tools read too. */
async function exportedHistory({ workflowId, runId }: Execution): Promise<string> {
  const args = [
    'workflow',
    'show',
    '--address',
    process.env.CARSYNC_TEST_TEMPORAL_ADDRESS!,
    '--workflow-id',
    workflowId,
    '--run-id',
    runId,
    '--output',
    'json',
  ];
  const { stdout } = await promisify(execFile)(cliPath!, args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

async function record(scenario: Scenario): Promise<void> {
  const h = await startHarness(scenario.options);
  try {
    const workflowId = parentWorkflowId(scenario.name);
    await scenario.run(h, workflowId);
    const files = await closedHistories(h.client, workflowId);
    const dir = path.join(HISTORIES_DIR, scenario.name);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const [file, execution] of files) {
      const json = await exportedHistory(execution);
      // Payloads are bytes in the history and base64 in its JSON: both are searched.
      const leaked = KEYS.find((key) => containsText(execution.history, key) || json.includes(key));
      if (leaked) throw new Error(`${scenario.name}/${file} holds the API key ${leaked}`);
      fs.writeFileSync(path.join(dir, file), json);
    }
    const events = [...files.values()].reduce((n, { history }) => n + (history.events?.length ?? 0), 0);
    console.log(`${scenario.name}: ${files.size} histories, ${events} events`);
  } finally {
    await h.close();
  }
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const scenarios = only.length ? SCENARIOS.filter((s) => only.includes(s.name)) : SCENARIOS;
  if (scenarios.length < Math.max(1, only.length)) throw new Error(`unknown scenario; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  cliPath = await findOrInstallTemporalCli();
  const postgres = await startPostgres({ persistent: false });
  // One dev server per continue-as-new threshold the scenarios need (0: the server's default).
  const thresholds = [...new Set(scenarios.map((s) => s.suggestContinueAsNewAt ?? 0))];
  const servers = await Promise.all(
    thresholds.map((at) =>
      startTemporalDevServer({ cliPath, headless: true, dynamicConfig: at ? { 'limit.historyCount.suggestContinueAsNew': at } : undefined }),
    ),
  );
  process.env.CARSYNC_TEST_DATABASE_URL = postgres.url;
  process.env.CARSYNC_TEST_RUN_ID = randomUUID();
  try {
    for (const scenario of scenarios) {
      process.env.CARSYNC_TEST_TEMPORAL_ADDRESS = servers[thresholds.indexOf(scenario.suggestContinueAsNewAt ?? 0)].address;
      await record(scenario);
    }
  } finally {
    await Promise.all([...servers.map((s) => s.stop()), postgres.stop()]);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
