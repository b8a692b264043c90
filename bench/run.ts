import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { Pool } from 'pg';
import { z } from 'zod';
import { loadWorkerConfig } from '../src/config';
import { migrate } from '../src/db/migrate';
import { startPostgres } from '../src/dev/postgres';
import { freePort } from '../src/dev/processes';
import { startTemporalDevServer } from '../src/dev/temporal';
import type { MemorySample } from '../src/memory-samples';
import type { SyncInput, SyncSummary } from '../src/sync-types';
import { WORKER_ENV, WORKER_SOURCE_NODE_ARGS } from '../src/worker-settings';
import type { FloorResult } from './floor';
import { naiveSync } from './naive';

const ROOT = join(__dirname, '..');
const SCENARIOS = ['cold', 'floor', 'unchanged', 'changed', 'ratelimited', 'naive', 'scale'] as const;
const USAGE = `usage: npm run bench [-- --cars N --latency-ms MS --rate-limit RPS --naive-cars N --concurrency N --scenarios a,b --nice N --worker source|image --worker-node-args ARGS --json FILE --cpu-prof DIR]

Brings up PostgreSQL, the Temporal dev server, the simulator and a worker (each its own process),
runs the scenarios one after the other in one run, and prints one table. --concurrency sets every
sync's ranges at once (the worker's default otherwise). --nice sets the nice value of the worker,
the simulator and the floor's process (10 by default, the worker's own default). --worker image
runs the worker as the Docker image does, compiled (into dist/) with a prebuilt workflow bundle;
source (the default) runs it as \`npm run worker\` does. --worker-node-args adds node arguments
(space-separated, such as V8 heap flags: --worker-node-args=--max-old-space-size=96) to the worker's
command line, to measure what they trade.
scenarios: ${SCENARIOS.join(', ')} (default: all but scale; scale adds a cold sync of 5x the cars;
floor fetches and parses the listing over the same lanes and COPYs it into an unlogged table)`;

const argsSchema = z.object({
  cars: z.coerce.number().int().min(1000).default(200_000),
  latencyMs: z.coerce.number().min(0).default(20),
  rateLimit: z.coerce.number().int().min(1).default(20),
  naiveCars: z.coerce.number().int().min(100).default(20_000),
  concurrency: z.coerce.number().int().min(1).max(256).optional(),
  nice: z.coerce.number().int().min(0).max(19).default(10),
  scenarios: z
    .string()
    .default(SCENARIOS.filter((s) => s !== 'scale').join(','))
    .transform((text) => text.split(',').map((s) => s.trim()))
    .pipe(z.array(z.enum(SCENARIOS)))
    // The re-syncs sample the cars the cold sync stored (the reads during the 2% re-sync pick among them).
    .refine(
      (list) => list.includes('cold') || !list.some((s) => s === 'unchanged' || s === 'changed'),
      'unchanged and changed re-sync what cold synced: add cold',
    ),
  json: z.string().optional(),
  /** Write the worker's V8 CPU profile into this folder (open it in Chrome DevTools). */
  cpuProf: z.string().optional(),
  /** How the worker runs: from source as `npm run worker` runs it, or compiled with a prebuilt bundle as the Docker image runs it. */
  worker: z.enum(['source', 'image']).default('source'),
  workerNodeArgs: z
    .string()
    .default('')
    .transform((text) => text.split(' ').filter(Boolean))
    .refine((args) => args.every((arg) => arg.startsWith('--')), 'node options only, each starting with --, as in --worker-node-args=--max-old-space-size=96'),
});

interface Row {
  scenario: string;
  wallSeconds: number;
  /** Epoch ms of the workflow start call and of its result (the wall time is between them). */
  startedAt: number;
  endedAt: number;
  cars: number;
  pages: number;
  apiP50: number | null;
  apiP95: number | null;
  rateLimited: number;
  requests: number;
  rowsWritten: number;
  peakRssMb: number | null;
  /** The worker's memory sample with the highest RSS during the scenario, and its GC pauses over the scenario. */
  memory: { atPeak: MemorySample; gcCount: number; gcMs: number; gcMaxMs: number } | null;
  activities: number | null;
  children: number | null;
  /** CPU seconds each process spent on the scenario: where the time goes. */
  cpu: Record<string, number> | null;
  note?: string;
}

const TICKS_PER_SECOND = 100;

/** utime + stime of a process and, for PostgreSQL, of every backend its postmaster forked. */
function cpuTicks(pid: number, withChildren = false): number {
  // utime + stime; with children, also cutime + cstime: the time of children already exited (PostgreSQL's backends).
  const ticks = (p: number, reaped = false) => {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      return Number(fields[11]) + Number(fields[12]) + (reaped ? Number(fields[13]) + Number(fields[14]) : 0);
    } catch {
      return 0;
    }
  };
  let total = ticks(pid, withChildren);
  if (withChildren) {
    for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
      try {
        if (readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1] === String(pid)) total += ticks(Number(entry));
      } catch {
        // The process ended while we looked.
      }
    }
  }
  return total;
}

/**
 * Each in its own session, as a service would be: under autogroup scheduling the bench's reads would
 * otherwise share one scheduling group with the worker and the simulator and queue behind them.
 */
function spawnTs(script: string, args: string[], env: NodeJS.ProcessEnv, nodeArgs: readonly string[] = ['--import', 'tsx']): ChildProcess {
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, script), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stderr?.on('data', (d) => process.stderr.write(`[${script}] ${d}`));
  return child;
}

/** A process's nice value, and its session's autogroup's (under autogroup scheduling a nice value weighs only within a session). */
function lowerPriority(pid: number, nice: number): void {
  setPriority(pid, nice);
  if (existsSync(`/proc/${pid}/autogroup`)) writeFileSync(`/proc/${pid}/autogroup`, String(nice));
}

/** SIGTERM, then the exit; at once for a process that has already exited. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not come up within ${timeoutMs / 1000} s`);
}

/** Quantiles of the latency histogram's increase between two scrapes (upper bucket bounds, in ms). */
function latencyQuantiles(before: string, after: string, qs: number[]): (number | null)[] {
  const buckets = (text: string) => {
    const counts = new Map<number, number>();
    for (const m of text.matchAll(/^carsync_api_request_duration_bucket\{status="200",le="([^"]+)"\} (\d+)/gm)) {
      counts.set(m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2]));
    }
    return counts;
  };
  const b = buckets(before);
  const a = [...buckets(after)].map(([le, n]) => [le, n - (b.get(le) ?? 0)] as const).sort((x, y) => x[0] - y[0]);
  const total = a.at(-1)?.[1] ?? 0;
  return qs.map((q) => (total === 0 ? null : (a.find(([, n]) => n >= q * total)?.[0] ?? null)));
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      cars: { type: 'string' },
      'latency-ms': { type: 'string' },
      'rate-limit': { type: 'string' },
      'naive-cars': { type: 'string' },
      concurrency: { type: 'string' },
      scenarios: { type: 'string' },
      json: { type: 'string' },
      'cpu-prof': { type: 'string' },
      nice: { type: 'string' },
      worker: { type: 'string' },
      'worker-node-args': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return void console.log(USAGE);
  const parsed = argsSchema.safeParse({
    cars: values.cars,
    latencyMs: values['latency-ms'],
    rateLimit: values['rate-limit'],
    naiveCars: values['naive-cars'],
    concurrency: values.concurrency,
    scenarios: values.scenarios,
    json: values.json,
    cpuProf: values['cpu-prof'],
    nice: values.nice,
    worker: values.worker,
    workerNodeArgs: values['worker-node-args'],
  });
  if (!parsed.success)
    throw new Error(parsed.error.issues.map((i) => `--${String(i.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${i.message}`).join('; '));
  const opts = parsed.data;
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const stop of cleanups.splice(0).reverse()) await stop().catch(() => undefined);
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

  try {
    console.error(`bench: ${opts.cars} cars, ${opts.latencyMs} ms API latency, scenarios ${opts.scenarios.join(', ')}`);
    const postgres = await startPostgres({ persistent: false });
    cleanups.push(() => postgres.stop());
    const pool = new Pool({ connectionString: postgres.url, max: 4 });
    cleanups.push(() => pool.end());
    await migrate(pool);
    const temporal = await startTemporalDevServer({ headless: true });
    cleanups.push(() => temporal.stop());
    const connection = await Connection.connect({ address: temporal.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection });

    let simPort = await freePort();
    let sim: ChildProcess;
    const startSimulator = async (cars: number) => {
      simPort = await freePort();
      // Prebuilt, so each scenario meets the same upstream: the first to run would otherwise pay the
      // simulator's one-time build of every record's JSON (2 CPU-seconds at 200k cars), and the floor after it not.
      const args = ['--port', String(simPort), '--size', String(cars), '--latency-ms', String(opts.latencyMs), '--prebuild', 'true'];
      sim = spawnTs('src/simulator/main.ts', args, process.env);
      // The upstream runs on other machines in production: here it yields the CPU, like the worker does
      // (CARSYNC_WORKER_NICE), to its own session's group as well.
      if (sim.pid) lowerPriority(sim.pid, opts.nice);
      const current = sim;
      cleanups.push(() => stopProcess(current));
      await waitFor('the simulator', async () => (await fetch(`http://127.0.0.1:${simPort}/_admin/stats`)).ok);
    };
    const simUrl = () => `http://127.0.0.1:${simPort}`;
    const admin = async (path: string, body?: unknown) => {
      const res = await fetch(
        `${simUrl()}/_admin/${path}`,
        body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
      );
      return res.json() as Promise<Record<string, unknown>>;
    };

    const metricsPort = await freePort();
    const samplesDir = mkdtempSync(join(tmpdir(), 'carsync-bench-'));
    cleanups.push(async () => rmSync(samplesDir, { recursive: true, force: true }));
    const samplesFile = join(samplesDir, 'worker-memory.jsonl');
    let worker: ChildProcess;
    const bundleFile = join(samplesDir, 'workflow-bundle.js');
    if (opts.worker === 'image') {
      // What the Dockerfile does: compile src/ to dist/ (ignored by git), then bundle the workflows once.
      execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
      execFileSync(process.execPath, ['dist/dev/bundle-workflows.js', bundleFile], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    }
    const startWorker = async () => {
      const taskQueue = 'car-sync-bench';
      // A new worker counts its GC pauses afresh.
      rmSync(samplesFile, { force: true });
      // Started the way `npm run worker` or the image starts it (src/worker-settings.ts), so its memory is the one measured.
      const image = opts.worker === 'image';
      worker = spawnTs(
        image ? 'dist/worker.js' : 'src/worker.ts',
        [],
        {
          ...process.env,
          ...WORKER_ENV,
          TEMPORAL_ADDRESS: temporal.address,
          TEMPORAL_TASK_QUEUE: taskQueue,
          DATABASE_URL: postgres.url,
          CARS_API_URL: simUrl(),
          CARS_API_KEY: 'sim-key',
          CARSYNC_METRICS_PORT: String(metricsPort),
          CARSYNC_LOG_LEVEL: 'WARN',
          CARSYNC_WORKER_NICE: String(opts.nice),
          CARSYNC_MEMORY_SAMPLES: samplesFile,
          ...(image ? { CARSYNC_WORKFLOW_BUNDLE: bundleFile } : {}),
        },
        [...opts.workerNodeArgs, ...(image ? [] : [...WORKER_SOURCE_NODE_ARGS]), ...(opts.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProf}`] : [])],
      );
      const current = worker;
      cleanups.push(() => stopProcess(current));
      // Its metrics come up before it has bundled the workflows: it is ready once it polls for both kinds of task.
      const polling = (exposition: string, kind: string) =>
        new RegExp(`^temporal_num_pollers\\{[^}]*poller_type="${kind}"[^}]*\\} [1-9]`, 'm').test(exposition);
      await waitFor(
        'the worker',
        async () => {
          const exposition = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
          return polling(exposition, 'workflow_task') && polling(exposition, 'activity_task');
        },
        120_000,
      );
      return taskQueue;
    };
    const stopWorker = () => stopProcess(worker);
    const scrape = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    // VmHWM is the peak resident set; writing 5 to clear_refs resets it, so each scenario has its own peak.
    const resetPeak = () => writeFileSync(`/proc/${worker.pid}/clear_refs`, '5');
    const peakRssMb = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${worker.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
    /** The worker's sample with the highest RSS between two times, and the GC pauses between them. */
    const memoryBetween = (from: number, to: number): Row['memory'] => {
      const samples = existsSync(samplesFile)
        ? readFileSync(samplesFile, 'utf8')
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line) as MemorySample)
        : [];
      const base = samples.filter((x) => x.t <= from).at(-1) ?? { gcCount: 0, gcMs: 0 };
      const during = samples.filter((x) => x.t > from && x.t <= to);
      if (!during.length) return null;
      const atPeak = during.reduce((a, b) => (b.rss > a.rss ? b : a));
      const last = during[during.length - 1];
      return { atPeak, gcCount: last.gcCount - base.gcCount, gcMs: last.gcMs - base.gcMs, gcMaxMs: Math.max(...during.map((x) => x.gcMaxMs)) };
    };

    await startSimulator(opts.cars);
    let taskQueue = await startWorker();
    const postmaster = Number(readFileSync(join(postgres.dataDir!, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const cpuNow = (): Record<string, number> => ({
      worker: cpuTicks(worker.pid!),
      temporal: cpuTicks(temporal.process.pid!, true),
      postgres: cpuTicks(postmaster, true),
      simulator: cpuTicks(sim.pid!),
    });
    const rows: Row[] = [];
    let n = 0;
    const sync = async (
      scenario: string,
      input: SyncInput = {},
      during?: (finished: Promise<unknown>) => Promise<void>,
    ): Promise<{ row: Row; summary: SyncSummary }> => {
      const stats0 = await admin('stats');
      const metrics0 = await scrape();
      resetPeak();
      const cpu0 = cpuNow();
      const startedAt = Date.now();
      const args = [{ ...(opts.concurrency ? { concurrency: opts.concurrency } : {}), ...input }];
      const handle = await client.workflow.start('SyncCarsWorkflow', { taskQueue, workflowId: `bench-${Date.now()}-${n++}`, args });
      const result = handle.result() as Promise<SyncSummary>;
      const [summary] = await Promise.all([result, during?.(result)]);
      const endedAt = Date.now();
      const wallSeconds = (endedAt - startedAt) / 1000;
      const cpu1 = cpuNow();
      const stats1 = await admin('stats');
      const [p50, p95] = latencyQuantiles(metrics0, await scrape(), [0.5, 0.95]);
      const status = (s: Record<string, unknown>, code: number) => Number((s.byStatus as Record<string, number>)[code] ?? 0);
      const row: Row = {
        scenario,
        wallSeconds,
        startedAt,
        endedAt,
        cars: summary.carsSeen,
        pages: summary.pages,
        apiP50: p50,
        apiP95: p95,
        rateLimited: status(stats1, 429) - status(stats0, 429),
        requests: Number(stats1.requests) - Number(stats0.requests),
        rowsWritten: summary.inserted + summary.updated + summary.removed,
        peakRssMb: peakRssMb(),
        memory: memoryBetween(startedAt, endedAt),
        ...(await historyFacts(handle).then(({ activities, phases }) => ({ activities, note: phases }))),
        children: summary.ranges,
        cpu: Object.fromEntries(Object.keys(cpu1).map((k) => [k, (cpu1[k] - cpu0[k]) / TICKS_PER_SECOND])),
      };
      rows.push(row);
      console.error(`  ${scenario}: ${wallSeconds.toFixed(1)} s, ${Math.round(row.cars / wallSeconds)} cars/s`);
      return { row, summary };
    };
    /**
     * From the run's history and its ranges' (their latest runs): the activities scheduled, and where
     * the wall time went: planning, the ranges (with how many ran at once, on average), closing.
     */
    const historyFacts = async (handle: WorkflowHandle): Promise<{ activities: number; phases: string }> => {
      type Event = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];
      const ms = (e: Event | undefined) => (e?.eventTime ? Number(e.eventTime.seconds) * 1000 + (e.eventTime.nanos ?? 0) / 1e6 : NaN);
      const parent = (await handle.fetchHistory()).events ?? [];
      const childIds = parent.map((e) => e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId).filter((id): id is string => !!id);
      const children = await Promise.all(childIds.map(async (id) => (await client.workflow.getHandle(id).fetchHistory()).events ?? []));
      const activities = [parent, ...children].flat().filter((e) => e.activityTaskScheduledEventAttributes).length;
      const started = ms(parent[0]);
      const planned = ms(parent.find((e) => e.activityTaskCompletedEventAttributes));
      const childSpans = children.map((events) => [ms(events[0]), ms(events[events.length - 1])]);
      const rangesFrom = Math.min(...childSpans.map(([a]) => a));
      const rangesTo = Math.max(...childSpans.map(([, b]) => b));
      const laneSeconds = childSpans.reduce((sum, [a, b]) => sum + (b - a), 0) / 1000;
      const ended = ms(parent[parent.length - 1]);
      const finishStarted = ms([...parent].reverse().find((e) => e.activityTaskStartedEventAttributes));
      const finishCompleted = ms([...parent].reverse().find((e) => e.activityTaskCompletedEventAttributes));
      const phases =
        `phases: planning ${((planned - started) / 1000).toFixed(2)} s, ranges ${((rangesTo - rangesFrom) / 1000).toFixed(2)} s ` +
        `(${(laneSeconds / ((rangesTo - rangesFrom) / 1000)).toFixed(1)} running on average), closing ${((ended - rangesTo) / 1000).toFixed(2)} s (finishRun ${((finishCompleted - finishStarted) / 1000).toFixed(2)} s)`;
      return { activities, phases };
    };
    const truncate = () => pool.query('TRUNCATE cars, car_rejects, sync_runs, sync_removal_candidates, sync_page_cursors');

    const want = (s: (typeof SCENARIOS)[number]) => opts.scenarios.includes(s);
    let reads: { query: string; idle: number[]; busy: number[] }[] = [];
    if (want('cold')) {
      await truncate();
      await sync('cold full sync');
    }
    if (want('floor')) {
      // The worker's lanes and page size, unless --concurrency sets the lanes.
      const { tuning } = loadWorkerConfig({ DATABASE_URL: postgres.url, CARS_API_URL: simUrl(), CARS_API_KEY: 'sim-key' });
      const stats0 = await admin('stats');
      const cpu0 = cpuNow();
      const floor = spawnTs('bench/floor.ts', ['--lanes', String(opts.concurrency ?? tuning.concurrency), '--per-page', String(tuning.pageSize)], {
        ...process.env,
        DATABASE_URL: postgres.url,
        CARS_API_URL: simUrl(),
        CARS_API_KEY: 'sim-key',
      });
      if (floor.pid) lowerPriority(floor.pid, opts.nice);
      let out = '';
      floor.stdout?.on('data', (d: Buffer) => (out += d.toString('utf8')));
      const [code] = (await once(floor, 'exit')) as [number | null];
      if (code !== 0) throw new Error(`the floor scenario exited with ${code}`);
      const result = JSON.parse(out) as FloorResult;
      const cpu1 = cpuNow();
      const stats1 = await admin('stats');
      const wallSeconds = result.fetchSeconds + result.copySeconds;
      const cpu = Object.fromEntries(Object.keys(cpu1).map((k) => [k, (cpu1[k] - cpu0[k]) / TICKS_PER_SECOND]));
      rows.push({
        scenario: 'floor (fetch, gunzip, parse; COPY)',
        wallSeconds,
        startedAt: 0,
        endedAt: 0,
        cars: result.cars,
        pages: result.pages,
        apiP50: null,
        apiP95: null,
        rateLimited: 0,
        requests: Number(stats1.requests) - Number(stats0.requests),
        rowsWritten: result.copiedRows,
        peakRssMb: null,
        memory: null,
        activities: null,
        children: null,
        // The worker's column holds the floor process's own CPU (the worker is idle).
        cpu: { ...cpu, worker: result.cpuSeconds },
        note: `fetch, gunzip and parse ${result.fetchSeconds.toFixed(2)} s, then COPY ${result.copySeconds.toFixed(2)} s; the worker's CPU column is the floor process's`,
      });
      console.error(`  floor: ${wallSeconds.toFixed(1)} s, ${Math.round(result.cars / wallSeconds)} cars/s`);
      await pool.query('DROP TABLE floor_cars');
    }
    if (want('unchanged')) await sync('re-sync, nothing changed');
    if (want('changed')) {
      const ids = (await pool.query<{ id: string }>('SELECT id FROM cars ORDER BY random() LIMIT 1000')).rows.map((r) => r.id);
      const makes = (await pool.query<{ make: string; model: string }>('SELECT DISTINCT make, model FROM cars LIMIT 200')).rows;
      const queries = [
        { query: 'point lookup by id', run: (i: number) => pool.query('SELECT * FROM cars WHERE id = $1', [ids[i % ids.length]]) },
        {
          query: 'filtered listing (make, model, by price, 20)',
          run: (i: number) => {
            const m = makes[i % makes.length];
            return pool.query('SELECT id, make, model, year, price FROM cars WHERE make = $1 AND model = $2 AND removed_at IS NULL ORDER BY price LIMIT 20', [
              m.make,
              m.model,
            ]);
          },
        },
      ];
      const sample = async (stop: () => boolean) => {
        const out = queries.map(() => [] as number[]);
        for (let i = 0; !stop(); i++) {
          for (const [k, q] of queries.entries()) {
            const t = performance.now();
            await q.run(i);
            out[k].push(performance.now() - t);
          }
          await new Promise((r) => setTimeout(r, 5));
        }
        return out.map((xs) => xs.sort((a, b) => a - b));
      };
      const idleUntil = Date.now() + 5_000;
      const idle = await sample(() => Date.now() > idleUntil);
      await admin('mutate', { changeShare: 0.02 });
      let busy: number[][] = [];
      await sync('re-sync after 2% changed', {}, async (finished) => {
        let done = false;
        void finished.finally(() => (done = true)).catch(() => undefined);
        busy = await sample(() => done);
      });
      reads = queries.map((q, k) => ({ query: q.query, idle: idle[k], busy: busy[k] }));
    }
    if (want('ratelimited')) {
      await admin('faults', { rateLimit: opts.rateLimit });
      await admin('mutate', { changeShare: 0.02 });
      await fetch(`${simUrl()}/_admin/stats`, { method: 'DELETE' });
      // No requestsPerSecond: the worker paces itself from the limit the upstream's headers advertise.
      const { row, summary } = await sync(`rate-limited (${opts.rateLimit} req/s)`);
      const used = row.requests / row.wallSeconds / opts.rateLimit;
      const s = await admin('stats');
      const spanSeconds = (Number(s.lastRequestAt) - Number(s.firstRequestAt)) / 1000;
      row.note +=
        `; ${(used * 100).toFixed(1)}% of the allowed rate used over the run's wall time ` +
        `(${((row.requests / spanSeconds / opts.rateLimit) * 100).toFixed(1)}% from its first request to its last), ` +
        `${((row.rateLimited / row.requests) * 100).toFixed(2)}% answered 429, at most ${s.maxRequestsInAnyWindow} requests in any 1 s; ` +
        `${summary.notes.find((note) => note.includes('advertises')) ?? 'no note of an advertised limit'}; ` +
        `first request ${Number(s.firstRequestAt) - row.startedAt} ms after the start, last ${row.endedAt - Number(s.lastRequestAt)} ms before the end, ` +
        `longest pauses between requests ${(s.longestGapsMs as number[]).join(', ')} ms`;
      await admin('faults', { rateLimit: null });
    }
    if (want('naive')) {
      const startedAt = Date.now();
      const { cars, pages } = await naiveSync(pool, simUrl(), 'sim-key', opts.naiveCars);
      const endedAt = Date.now();
      const wallSeconds = (endedAt - startedAt) / 1000;
      rows.push({
        scenario: `naive baseline (${cars} cars)`,
        wallSeconds,
        startedAt,
        endedAt,
        cars,
        pages,
        apiP50: null,
        apiP95: null,
        rateLimited: 0,
        requests: pages,
        rowsWritten: cars,
        peakRssMb: null,
        memory: null,
        activities: null,
        children: null,
        cpu: null,
      });
      console.error(`  naive: ${wallSeconds.toFixed(1)} s, ${Math.round(cars / wallSeconds)} cars/s`);
    }
    if (want('scale')) {
      await stopWorker();
      await stopProcess(sim!);
      await startSimulator(opts.cars * 5);
      taskQueue = await startWorker();
      await truncate();
      await sync(`cold full sync, ${opts.cars * 5} cars`);
    }

    printReport(opts, rows, reads);
    if (opts.json)
      writeFileSync(
        opts.json,
        JSON.stringify({ options: opts, rows, reads: reads.map((r) => ({ query: r.query, idle: stats(r.idle), busy: stats(r.busy) })) }, null, 2),
      );
  } finally {
    await cleanup();
  }
}

function stats(xs: number[]) {
  return { n: xs.length, p50: percentile(xs, 0.5), p99: percentile(xs, 0.99) };
}

function printReport(opts: z.infer<typeof argsSchema>, rows: Row[], reads: { query: string; idle: number[]; busy: number[] }[]): void {
  const fmt = (x: number | null, digits = 0) => (x === null || Number.isNaN(x) ? '-' : x.toFixed(digits));
  const header = [
    'scenario',
    'wall s',
    'cars/s',
    'pages/s',
    'API p50/p95 ms',
    '429s',
    'rows written',
    'worker peak RSS MB',
    'at the peak: V8 heap used/total, external/array buffers, rest MB',
    'cached workflows',
    'GC pauses n / total / max ms',
    'activities',
    'child workflows',
    'CPU s worker/temporal/postgres/simulator',
  ];
  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  const lines = rows.map((r) => [
    r.scenario,
    fmt(r.wallSeconds, 1),
    fmt(r.cars / r.wallSeconds),
    fmt(r.pages / r.wallSeconds, 1),
    r.apiP50 === null ? '-' : `≤${r.apiP50} / ≤${r.apiP95}`,
    String(r.rateLimited),
    String(r.rowsWritten),
    fmt(r.peakRssMb),
    r.memory
      ? `${mb(r.memory.atPeak.heapUsed)}/${mb(r.memory.atPeak.heapTotal)}, ${mb(r.memory.atPeak.external)}/${mb(r.memory.atPeak.arrayBuffers)}, ` +
        mb(r.memory.atPeak.rss - r.memory.atPeak.heapTotal - r.memory.atPeak.external)
      : '-',
    r.memory ? String(r.memory.atPeak.cachedWorkflows) : '-',
    r.memory ? `${r.memory.gcCount} / ${r.memory.gcMs.toFixed(0)} / ${r.memory.gcMaxMs.toFixed(0)}` : '-',
    r.activities === null ? '-' : String(r.activities),
    r.children === null ? '-' : String(r.children),
    r.cpu
      ? Object.values(r.cpu)
          .map((x) => x.toFixed(1))
          .join(' / ')
      : '-',
  ]);
  console.log(`\ncarsync bench: ${opts.cars} cars, simulator latency ${opts.latencyMs} ms, ${new Date().toISOString()}\n`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const line of lines) console.log(`| ${line.join(' | ')} |`);
  for (const r of rows.filter((x) => x.note)) console.log(`\n${r.scenario}: ${r.note}`);
  const cold = rows.find((r) => r.scenario === 'cold full sync');
  const naive = rows.find((r) => r.scenario.startsWith('naive'));
  if (cold && naive)
    console.log(`\ncold full sync vs naive baseline: ${(cold.cars / cold.wallSeconds / (naive.cars / naive.wallSeconds)).toFixed(1)}x the cars/s`);
  const floor = rows.find((r) => r.scenario.startsWith('floor'));
  if (cold && floor) console.log(`cold full sync vs floor: ${(cold.wallSeconds / floor.wallSeconds).toFixed(2)}x the wall time`);
  const big = rows.find((r) => r.scenario.startsWith('cold full sync, '));
  if (cold && big) {
    console.log(
      `${big.scenario} vs ${opts.cars}: wall time ${(big.wallSeconds / cold.wallSeconds).toFixed(2)}x, worker peak RSS ${((big.peakRssMb ?? NaN) / (cold.peakRssMb ?? NaN)).toFixed(2)}x`,
    );
  }
  if (reads.length) {
    console.log(`\n| user-facing read (during the 2% re-sync) | idle p50 / p99 ms | during sync p50 / p99 ms | p99 ratio |`);
    console.log('|---|---|---|---|');
    for (const r of reads) {
      const i = stats(r.idle);
      const b = stats(r.busy);
      console.log(`| ${r.query} | ${i.p50.toFixed(2)} / ${i.p99.toFixed(2)} | ${b.p50.toFixed(2)} / ${b.p99.toFixed(2)} | ${(b.p99 / i.p99).toFixed(2)}x |`);
    }
  }
}

main().catch((err: Error) => {
  console.error(`bench: ${err.message}`);
  process.exit(1);
});
