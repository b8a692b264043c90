import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrate } from '../../src/db/migrate';

/**
 * The Temporal frontend of this Jest worker: test/global-setup.ts starts one per worker and
 * test/worker-setup.ts sets `CARSYNC_TEST_TEMPORAL_ADDRESS` to this worker's (or it names one server for all).
 */
export function testTemporalAddress(): string {
  return requiredEnv('CARSYNC_TEST_TEMPORAL_ADDRESS');
}

/** The PostgreSQL that test/global-setup.ts started, or `DATABASE_URL`. */
export function testDatabaseUrl(): string {
  return requiredEnv('CARSYNC_TEST_DATABASE_URL');
}

export interface FreshDatabase {
  name: string;
  url: string;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
}

/** A new, empty database on the test server (or a copy of `template`), so that each test file has its own schema. */
export async function freshDatabase(label = 'test', template?: string): Promise<FreshDatabase> {
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .slice(0, 30);
  const name = `carsync_${slug}_${randomBytes(5).toString('hex')}`;
  await withAdminClient((client) =>
    client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}${template ? ` TEMPLATE ${client.escapeIdentifier(template)}` : ''}`),
  );
  const url = new URL(testDatabaseUrl());
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      await withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`));
    },
  };
}

/**
 * A new database with the current schema: a copy of the template that test/global-setup.ts migrated
 * once, or, without one (the cluster tier, the history recorder), a fresh database migrated here.
 */
export async function migratedDatabase(label = 'test'): Promise<FreshDatabase> {
  const template = process.env.CARSYNC_TEST_TEMPLATE_DATABASE;
  const db = await freshDatabase(label, template);
  if (!template) {
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    await migrate(pool).finally(() => pool.end());
  }
  return db;
}

/**
 * A migrated database of its own and a pool of `max` connections on it, for the describe block this is
 * called in: made before its tests, and after them the pool is ended before the database is dropped.
 */
export function databaseForTests(label: string, max: number): { readonly pool: pg.Pool } {
  let db: FreshDatabase | undefined;
  let pool: pg.Pool | undefined;
  beforeAll(async () => {
    db = await migratedDatabase(label);
    pool = new pg.Pool({ connectionString: db.url, max });
    // pool.end() resolves before its connections have closed, and the drop (WITH FORCE) may end one of them.
    pool.on('error', () => undefined);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });
  return {
    get pool() {
      if (!pool) throw new Error(`the ${label} database is used before its beforeAll`);
      return pool;
    },
  };
}

/** Where the run's workflow bundle is (test/global-setup.ts builds it), one file per test run. */
export function workflowBundlePath(): string {
  return join(tmpdir(), `carsync-test-bundle-${process.env.CARSYNC_TEST_RUN_ID ?? process.ppid}.js`);
}

async function withAdminClient<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
  // The server's own database: the target of CREATE/DROP DATABASE cannot be the one connected to.
  const url = new URL(testDatabaseUrl());
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through jest, whose global setup starts the servers`);
  return value;
}
