import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { migrate } from '../src/db/migrate';
import { startPostgres } from '../src/dev/postgres';
import { findOrInstallTemporalCli, startTemporalDevServer } from '../src/dev/temporal';
import { testWorkflowBundle } from './helpers/worker-process';

/** What global-teardown.ts undoes; Jest runs both hooks in its main process. */
export const TEST_SERVERS = Symbol.for('carsync.test.servers');

export interface TestServers {
  started: { stop(): Promise<void> }[];
  exitOnSignal: () => void;
}

/**
 * Starts what the whole run shares and publishes it through the environment, which the test files inherit:
 * - one Temporal dev server (headless, in memory) per Jest worker, so that schedules, "the latest run"
 *   and fixed workflow ids of test files running side by side never meet (test/worker-setup.ts picks
 *   the worker's own);
 * - one PostgreSQL, with a template database migrated once, which each test file copies;
 * - the workflow bundle, built once into a file that in-process workers and worker processes load.
 * Servers named in `CARSYNC_TEST_TEMPORAL_ADDRESS` and `DATABASE_URL` (or `CARSYNC_TEST_DATABASE_URL`)
 * are used as they are: one Temporal server then serves every worker, so run such a suite with `--runInBand`.
 */
export default async function globalSetup(globalConfig: { maxWorkers: number }): Promise<void> {
  // The servers run in their own process groups and stop from 'exit' listeners, which a signal
  // without a handler would skip: an interrupted run must not leave them behind.
  const exitOnSignal = (): void => process.exit(130);
  process.once('SIGINT', exitOnSignal);
  process.once('SIGTERM', exitOnSignal);
  const servers: TestServers = { started: [], exitOnSignal };
  (globalThis as Record<symbol, unknown>)[TEST_SERVERS] = servers;
  process.env.CARSYNC_TEST_RUN_ID ??= randomUUID();

  const temporal = async (): Promise<void> => {
    if (process.env.CARSYNC_TEST_TEMPORAL_ADDRESS) return;
    const cliPath = await findOrInstallTemporalCli();
    const count = Math.max(1, globalConfig.maxWorkers);
    const started = await Promise.allSettled(
      Array.from({ length: count }, (_, i) =>
        startTemporalDevServer({ cliPath, headless: true, logFile: path.join(__dirname, '..', '.data', 'logs', `jest-temporal-${process.pid}-${i + 1}.log`) }),
      ),
    );
    for (const result of started) if (result.status === 'fulfilled') servers.started.push(result.value);
    const failure = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) throw failure.reason;
    const addresses = started.map((result) => (result as PromiseFulfilledResult<{ address: string }>).value.address);
    process.env.CARSYNC_TEST_TEMPORAL_ADDRESSES = addresses.join(',');
    // Worker 1's, for anything that reads the address outside a test file.
    process.env.CARSYNC_TEST_TEMPORAL_ADDRESS = addresses[0];
  };
  const postgres = async (): Promise<void> => {
    // `DATABASE_URL` makes startPostgres return that server as it is (no data directory of its own).
    let external = true;
    if (!process.env.CARSYNC_TEST_DATABASE_URL) {
      const server = await startPostgres({ persistent: false });
      servers.started.push(server);
      process.env.CARSYNC_TEST_DATABASE_URL = server.url;
      external = server.dataDir === undefined;
    }
    const template = await migratedTemplate(process.env.CARSYNC_TEST_DATABASE_URL!, process.env.CARSYNC_TEST_RUN_ID!);
    // A server of our own goes with its data; from someone else's, the template is dropped.
    if (external) servers.started.push(template);
    process.env.CARSYNC_TEST_TEMPLATE_DATABASE = template.name;
  };
  const bundle = async (): Promise<void> => {
    const { codePath } = await testWorkflowBundle();
    servers.started.push({ stop: async () => rmSync(codePath, { force: true }) });
    process.env.CARSYNC_TEST_WORKFLOW_BUNDLE = codePath;
  };

  const results = await Promise.allSettled([temporal(), postgres(), bundle()]);
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) {
    await Promise.all(servers.started.map((server) => server.stop()));
    throw failure.reason;
  }
}

/**
 * A database migrated once, which test files copy (`CREATE DATABASE ... TEMPLATE`) instead of each
 * migrating its own: migrations take a cluster-wide advisory lock, so files running side by side would queue.
 */
async function migratedTemplate(serverUrl: string, runId: string): Promise<{ name: string; stop(): Promise<void> }> {
  const name = `carsync_template_${runId
    .replace(/[^a-z0-9]/gi, '')
    .slice(0, 12)
    .toLowerCase()}`;
  const admin = async (sql: string): Promise<void> => {
    const url = new URL(serverUrl);
    url.pathname = '/postgres';
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
  try {
    await migrate(pool);
  } finally {
    // A template must have no connections while it is copied.
    await pool.end();
  }
  return { name, stop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
