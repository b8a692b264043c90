import { Client, Connection } from '@temporalio/client';
import { Pool } from 'pg';
import { createCarsApi } from '../activities/cars-api';
import { loadWorkerConfig, temporalConnectionOptions, type WorkerConfig } from '../config';
import { pendingMigrations } from '../db/migrate';
import { noWorkerMessage, workerPolls } from './workers';

/** One requirement as `check` found it. */
export interface CheckResult {
  name: 'config' | 'temporal' | 'database' | 'api' | 'worker';
  ok: boolean;
  detail: string;
}

/** How long `check` gives each server to answer. */
const CHECK_TIMEOUT_MS = 5_000;

/**
 * Checks every requirement of a sync in order, stopping at the first that fails: the configuration,
 * Temporal and its namespace, the database and its migrations, the API with this key, a polling worker.
 */
export async function runChecks(env: NodeJS.ProcessEnv): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const step = async (name: CheckResult['name'], test: () => Promise<string>): Promise<boolean> => {
    try {
      results.push({ name, ok: true, detail: await test() });
      return true;
    } catch (err) {
      results.push({ name, ok: false, detail: (err as Error).message });
      return false;
    }
  };
  let config!: WorkerConfig;
  if (!(await step('config', async () => ((config = loadWorkerConfig(env)), 'the environment is valid')))) return results;
  const { address, namespace, taskQueue } = config.temporal;
  let client: Client | undefined;
  try {
    const reached = await step('temporal', async () => {
      const connection = await Connection.connect({ ...temporalConnectionOptions(config.temporal), connectTimeout: CHECK_TIMEOUT_MS }).catch((err: Error) => {
        throw new Error(`cannot reach Temporal at ${address} (TEMPORAL_ADDRESS): ${err.message}`);
      });
      client = new Client({ connection, namespace });
      await connection.workflowService.describeNamespace({ namespace }).catch((err: Error) => {
        throw new Error(`Temporal at ${address} has no namespace "${namespace}" (TEMPORAL_NAMESPACE): ${err.message}`);
      });
      return `${address}, namespace ${namespace}`;
    });
    if (!reached) return results;
    if (!(await step('database', () => checkDatabase(config.databaseUrl)))) return results;
    if (!(await step('api', () => checkApi(config)))) return results;
    await step('worker', async () => {
      if (!(await workerPolls(client!, taskQueue))) throw new Error(noWorkerMessage(taskQueue));
      return `a worker polls task queue "${taskQueue}"`;
    });
    return results;
  } finally {
    await client?.connection.close();
  }
}

async function checkDatabase(url: string): Promise<string> {
  const pool = new Pool({ connectionString: url, max: 1, connectionTimeoutMillis: CHECK_TIMEOUT_MS });
  try {
    const pending = await pendingMigrations(pool).catch((err: Error) => {
      throw new Error(`cannot reach the database at DATABASE_URL: ${err.message}`);
    });
    if (pending.length) throw new Error(`the database lacks migration(s) ${pending.join(', ')}: run \`npm run db:migrate\``);
    return 'reachable, migrations current';
  } finally {
    await pool.end();
  }
}

async function checkApi(config: WorkerConfig): Promise<string> {
  // The worker's own client: the same headers, timeout and error classes (whose messages name the fix, never the key).
  const api = createCarsApi({ ...config.api, timeoutMs: Math.min(config.api.timeoutMs, CHECK_TIMEOUT_MS), connections: 1 });
  try {
    const page = await api.fetchPage({ perPage: 1 });
    return `${config.api.url} answers with this key (${page.meta.total} cars listed)`;
  } finally {
    await api.close();
  }
}

export function formatChecks(results: CheckResult[]): string {
  const failed = results.find((r) => !r.ok);
  const lines = results.map((r) => `${r.ok ? 'ok  ' : 'FAIL'}  ${r.name.padEnd(8)}  ${r.detail}`);
  return [...lines, failed ? `check failed: ${failed.name}` : 'every requirement is met'].join('\n');
}
