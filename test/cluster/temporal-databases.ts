import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { testDatabaseUrl } from '../helpers/servers';

/** A name for a cluster's two databases on the tier's PostgreSQL, which may be a DATABASE_URL server holding a Temporal's already. */
export function temporalDatabasePrefix(): string {
  return `carsync_test_temporal_${randomUUID().slice(0, 8)}`;
}

/** Drops what `startTemporalCluster({ databasePrefix })` created, once its cluster has stopped. */
export async function dropTemporalDatabases(prefix: string): Promise<void> {
  const url = new URL(testDatabaseUrl());
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    for (const name of [prefix, `${prefix}_visibility`]) await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
