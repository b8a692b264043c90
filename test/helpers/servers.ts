import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The Temporal frontend that test/global-setup.ts started (or `CARSYNC_TEST_TEMPORAL_ADDRESS` named). */
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

/** A new, empty database on the test server, so that each test file migrates and fills its own schema. */
export async function freshDatabase(label = 'test'): Promise<FreshDatabase> {
  const slug = label.toLowerCase().replace(/[^a-z0-9_]+/g, '_').slice(0, 30);
  const name = `carsync_${slug}_${randomBytes(5).toString('hex')}`;
  await withAdminClient((client) => client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`));
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
