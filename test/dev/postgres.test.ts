import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startPostgres } from '../../src/dev/postgres';
import { pendingMigrations } from '../../src/db/migrate';
import { freshDatabase, migratedDatabase, testDatabaseUrl } from '../helpers/servers';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

// With DATABASE_URL set, startPostgres hands it back instead of starting a cluster.
const embedded = process.env.DATABASE_URL ? describe.skip : describe;

embedded('startPostgres', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'carsync-pg-test-'));
    fs.chmodSync(scratch, 0o755);
  });
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('starts a throwaway cluster with a carsync database, PostgreSQL 15 or newer, durability on', async () => {
    const server = await startPostgres({ persistent: false });
    try {
      expect(server.url).toMatch(/^postgres:\/\/postgres:password@127\.0\.0\.1:\d+\/carsync$/);
      const [row] = await query<{ one: number; version: string; fsync: string; db: string }>(
        server.url,
        "SELECT 1 AS one, current_setting('server_version_num') AS version, current_setting('fsync') AS fsync, current_database() AS db",
      );
      expect(row).toMatchObject({ one: 1, fsync: 'on', db: 'carsync' });
      expect(Number(row?.version)).toBeGreaterThanOrEqual(150000);
    } finally {
      await server.stop();
    }
    expect(fs.existsSync(server.dataDir ?? '')).toBe(false);
  });

  it('keeps a persistent cluster across restarts, even past a stale postmaster.pid', async () => {
    const dataDir = path.join(scratch, 'cluster');
    const first = await startPostgres({ dataDir });
    await query(first.url, 'CREATE TABLE kept (id int)');
    await first.stop();
    // A killed run's pid file whose pid now belongs to another process (here, this one).
    fs.writeFileSync(path.join(dataDir, 'postmaster.pid'), `${process.pid}\n${dataDir}\n`);

    const second = await startPostgres({ dataDir });
    try {
      expect(await query(second.url, "SELECT to_regclass('kept') IS NOT NULL AS kept")).toEqual([{ kept: true }]);
    } finally {
      await second.stop();
    }
  });
});

describe('startPostgres with DATABASE_URL', () => {
  const saved = process.env.DATABASE_URL;
  afterEach(() => {
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
  });

  it('returns DATABASE_URL as it is and starts nothing', async () => {
    process.env.DATABASE_URL = 'postgres://someone:secret@db.invalid:5432/carsync';
    const server = await startPostgres();
    expect(server.url).toBe('postgres://someone:secret@db.invalid:5432/carsync');
    expect(server.dataDir).toBeUndefined();
    await server.stop();
  });
});

describe('freshDatabase', () => {
  it('creates an isolated database on the test server and drops it', async () => {
    const a = await freshDatabase('isolation');
    const b = await freshDatabase('isolation');
    try {
      expect(a.name).not.toBe(b.name);
      await query(a.url, 'CREATE TABLE only_in_a (id int)');
      expect(await query(a.url, "SELECT to_regclass('only_in_a') IS NOT NULL AS found")).toEqual([{ found: true }]);
      expect(await query(b.url, "SELECT to_regclass('only_in_a') IS NOT NULL AS found")).toEqual([{ found: false }]);
    } finally {
      await a.drop();
      await b.drop();
    }
    const remaining = await query<{ datname: string }>(testDatabaseUrl(), 'SELECT datname FROM pg_database');
    const names = remaining.map((r) => r.datname);
    expect(names).not.toContain(a.name);
    expect(names).not.toContain(b.name);
  });
});

describe('migratedDatabase', () => {
  it('copies the run template: every migration applied, and the copies apart', async () => {
    const a = await migratedDatabase('template_copy');
    const b = await migratedDatabase('template_copy');
    const pool = new pg.Pool({ connectionString: a.url, max: 1 });
    try {
      expect(await pendingMigrations(pool)).toEqual([]);
      await query(a.url, `INSERT INTO sync_runs (run_id, workflow_id, mode, status) VALUES ('only-in-a', 'w', 'full', 'running')`);
      expect(await query(b.url, 'SELECT run_id FROM sync_runs')).toEqual([]);
    } finally {
      await pool.end();
      await a.drop();
      await b.drop();
    }
  });
});
