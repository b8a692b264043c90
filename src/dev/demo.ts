import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Runtime } from '@temporalio/worker';
import { Pool } from 'pg';
import { run as runClient } from '../client';
import { loadWorkerConfig } from '../config';
import { migrate } from '../db/migrate';
import { jsonLogger } from '../logging';
import { createSimulator } from '../simulator/server';
import { buildWorker } from '../worker';
import { startPostgres } from './postgres';
import { startTemporalDevServer } from './temporal';

const HELP = `usage: npm run demo [-- --cars N --latency-ms MS --error-rate R --exit]

Brings up PostgreSQL (DATABASE_URL, or an embedded one), the Temporal dev server with its Web UI,
the car listings simulator and a worker, then runs a full sync with live progress. Afterwards the
servers stay up for the Web UI until Ctrl-C (or exit at once with --exit, or when not on a terminal).`;

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer().once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function step(text: string): void {
  process.stdout.write(`\n== ${text}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      cars: { type: 'string', default: '200000' },
      'latency-ms': { type: 'string', default: '20' },
      'error-rate': { type: 'string', default: '0.01' },
      exit: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void console.log(HELP);
  const cars = Number(values.cars);
  const latencyMs = Number(values['latency-ms']);
  const errorRate = Number(values['error-rate']);
  if (!Number.isSafeInteger(cars) || cars < 0) throw new Error(`--cars must be a whole number, not "${values.cars}"`);
  if (!(latencyMs >= 0)) throw new Error(`--latency-ms must be a number >= 0, not "${values['latency-ms']}"`);
  if (!(errorRate >= 0 && errorRate <= 1)) throw new Error(`--error-rate must be between 0 and 1, not "${values['error-rate']}"`);

  const stops: (() => Promise<unknown>)[] = [];
  const shutdown = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  };
  process.once('SIGINT', () => void shutdown().then(() => process.exit(130)));
  process.once('SIGTERM', () => void shutdown().then(() => process.exit(143)));
  try {
    step(process.env.DATABASE_URL ? 'PostgreSQL: using DATABASE_URL' : 'PostgreSQL: starting the embedded server');
    const postgres = await startPostgres({ persistent: true });
    stops.push(() => postgres.stop());
    if (postgres.dataDir) console.log(`data in ${postgres.dataDir}`);
    const pool = new Pool({ connectionString: postgres.url, max: 1 });
    const applied = await migrate(pool);
    await pool.end();
    console.log(applied.length ? `migrations applied: ${applied.join(', ')}` : 'schema up to date');

    step('Temporal: starting the dev server with its Web UI (history in .data/temporal.db)');
    const useDefaults = (await portFree(7233)) && (await portFree(8233));
    const temporal = await startTemporalDevServer({
      ...(useDefaults ? { port: 7233, uiPort: 8233 } : {}),
      dbFile: join(__dirname, '..', '..', '.data', 'temporal.db'),
    });
    stops.push(() => temporal.stop());
    console.log(`frontend ${temporal.address}, Web UI ${temporal.uiUrl}`);

    step(`Simulator: ${cars} cars, ${latencyMs} ms latency, ${errorRate * 100}% transient 5xx`);
    const sim = await createSimulator({ size: cars, latencyMs, faults: { serverErrorRate: errorRate } });
    stops.push(() => sim.close());
    console.log(`listening at ${sim.url}`);

    const logDir = join(__dirname, '..', '..', '.data', 'logs');
    mkdirSync(logDir, { recursive: true });
    const logFile = join(logDir, 'demo-worker.log');
    Runtime.install({ logger: jsonLogger('INFO', createWriteStream(logFile, { flags: 'a' })) });
    step(`Worker: polling task queue car-sync (JSON log: ${logFile})`);
    const config = loadWorkerConfig({
      ...process.env,
      TEMPORAL_ADDRESS: temporal.address,
      DATABASE_URL: postgres.url,
      CARS_API_URL: sim.url,
      CARS_API_KEY: 'sim-key',
    });
    const worker = await buildWorker(config);
    const workerDone = worker.run();
    stops.push(async () => {
      worker.worker.shutdown();
      await workerDone;
    });

    step('Sync: a full run, followed live');
    const workflowId = `car-sync-demo-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const startedAt = Date.now();
    await runClient({ verb: 'start', id: workflowId, follow: true, input: {} }, config.temporal);
    const seconds = (Date.now() - startedAt) / 1000;
    console.log(`wall time ${seconds.toFixed(1)} s (${Math.round(cars / seconds)} cars/s end to end)`);

    step('Where to look');
    const ui = `${temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows`;
    console.log(`Web UI:          ${ui}`);
    console.log(`this run:        ${ui}/${encodeURIComponent(workflowId)}`);
    console.log('                 (its child workflows are the page ranges; Pending Activities shows retries)');
    console.log(`database:        psql "${postgres.url}" -c 'SELECT count(*) FROM cars'`);
    if (values.exit || !process.stdin.isTTY) return;
    console.log('\nServers stay up for the Web UI. Press Ctrl-C to stop them.');
    await new Promise(() => undefined);
  } finally {
    await shutdown();
  }
}

main().catch((err: Error) => {
  console.error(`demo: ${err.message}`);
  process.exit(1);
});
