import { Pool } from 'pg';
import { classifyRecords, committedCursor, writePage } from '../../src/activities/page-writer';
import { DatabaseError, isNonRetryable } from '../../src/errors';
import { Dataset } from '../../src/simulator/dataset';
import { ZERO_COUNTS } from '../../src/sync-types';
import { migratedDatabase, type FreshDatabase } from '../helpers/servers';
import { waitFor } from '../helpers/wait';

/** A page the database cannot take fails as the database's fault, so a run never blames the upstream for it. */
describe('a database that refuses a page', () => {
  let db: FreshDatabase;
  let pool: Pool;
  beforeAll(async () => {
    db = await migratedDatabase('database_error');
    pool = new Pool({ connectionString: db.url, max: 2 });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('fails the write as a retryable DatabaseError that names the database', async () => {
    await pool.query(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no space left (test)'; END $$`);
    await pool.query('CREATE TRIGGER refuse BEFORE INSERT ON cars FOR EACH ROW EXECUTE FUNCTION refuse()');
    const page = classifyRecords(new Dataset({ seed: 3, size: 10, invalidShare: 0 }).validCars());
    const write = writePage(pool, {
      runId: 'db-run',
      records: page.records,
      rejects: page.rejects,
      batchSize: 1000,
      seenIds: [...page.seenIds],
      withdrawSeen: false,
      anomaly: null,
      cursor: { activity: 'db', afterId: 0, done: true, carried: ZERO_COUNTS },
      // The page has no rejects to redact.
      redact: (text) => text,
    });
    const err = await write.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseError);
    expect(isNonRetryable(err)).toBe(false);
    expect((err as DatabaseError).message).toMatch(/^database failed writing a page: no space left \(test\); check DATABASE_URL/);
    expect((await pool.query('SELECT count(*)::int AS n FROM sync_page_cursors')).rows[0].n).toBe(0);
  });

  it('fails reading the cursor the same way', async () => {
    await pool.query('ALTER TABLE sync_page_cursors RENAME TO sync_page_cursors_gone');
    await expect(committedCursor(pool, 'db-run', 'db')).rejects.toMatchObject({
      type: 'DatabaseError',
      message: expect.stringContaining('reading the page cursor'),
    });
  });
});

/** New cars go in without ON CONFLICT: an attempt that outlived its timeout and its retry must not both record them. */
describe('two attempts at the same page at once', () => {
  let db: FreshDatabase;
  let pool: Pool;
  beforeAll(async () => {
    db = await migratedDatabase('page_race');
    pool = new Pool({ connectionString: db.url, max: 4 });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('fails the later one as retryable, naming the race; its retry writes nothing and each car is recorded once', async () => {
    const page = classifyRecords(new Dataset({ seed: 4, size: 10, invalidShare: 0 }).validCars());
    const write = () =>
      writePage(pool, {
        runId: 'race-run',
        records: page.records,
        rejects: page.rejects,
        batchSize: 1000,
        seenIds: [...page.seenIds],
        withdrawSeen: false,
        anomaly: null,
        cursor: { activity: 'race', afterId: 0, done: true, carried: ZERO_COUNTS },
        redact: (text) => text,
      });
    // The first attempt holds its transaction open at its cursor write until the test lets it go.
    await pool.query(`CREATE FUNCTION hold() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock(7); RETURN NEW; END $$`);
    await pool.query('CREATE TRIGGER hold BEFORE INSERT ON sync_page_cursors FOR EACH ROW EXECUTE FUNCTION hold()');
    const gate = await pool.connect();
    await gate.query('BEGIN');
    await gate.query('SELECT pg_advisory_xact_lock(7)');
    const first = write();
    const sql = `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = $1 AND datname = current_database()`;
    const waitingOn = (lock: string) =>
      waitFor(`a write waiting on a ${lock} lock`, async () => (await pool.query(sql, [lock])).rows[0].n > 0, { timeoutMs: 10_000 });
    await waitingOn('advisory');
    const second = write().catch((e: unknown) => e);
    await waitingOn('transactionid');
    await gate.query('COMMIT');
    gate.release();

    expect(await first).toMatchObject({ inserted: 10 });
    const err = await second;
    expect(err).toBeInstanceOf(DatabaseError);
    expect(isNonRetryable(err)).toBe(false);
    expect((err as DatabaseError).message).toMatch(/^database refused writing a page: another attempt at the same page/);
    await pool.query('DROP TRIGGER hold ON sync_page_cursors');
    expect(await write()).toMatchObject({ inserted: 0, updated: 0, unchanged: 10 });
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM car_changes WHERE run_id = 'race-run' AND kind = 'inserted'`);
    expect(rows[0].n).toBe(10);
  });
});
