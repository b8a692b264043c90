import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool } from 'pg';

export const MIGRATIONS_DIR = join(__dirname, '..', '..', 'db');

async function migrationFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => /^\d+_.*\.sql$/.test(f)).sort();
}

/** The migrations in `db/` the database has not applied (all of them when it has none): empty when it is current. */
export async function pendingMigrations(pool: Pool, dir: string = MIGRATIONS_DIR): Promise<string[]> {
  const { rows: table } = await pool.query<{ present: boolean }>(`SELECT to_regclass('schema_migrations') IS NOT NULL AS present`);
  const applied = new Set(table[0].present ? (await pool.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version) : []);
  return (await migrationFiles(dir)).filter((file) => !applied.has(file));
}

/** Applies the numbered SQL files in `db/` that have not been applied yet, each in its own transaction. */
export async function migrate(pool: Pool, dir: string = MIGRATIONS_DIR): Promise<string[]> {
  const files = await migrationFiles(dir);
  const client = await pool.connect();
  // A dropped connection must fail the migration, not crash the process (see db/transaction.ts).
  let lost: Error | undefined;
  const onError = (err: Error) => void (lost = err);
  client.on('error', onError);
  const applied: string[] = [];
  try {
    // Two migrators at once (say, the demo and a worker's compose job) must not both apply a file.
    await client.query('SELECT pg_advisory_lock(4242001)');
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const done = new Set((await client.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = await readFile(join(dir, file), 'utf8');
      try {
        await client.query('BEGIN');
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [file]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file} failed: ${(err as Error).message}`);
      }
      applied.push(file);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(4242001)').catch(() => undefined);
    client.off('error', onError);
    client.release(lost);
  }
  return applied;
}
