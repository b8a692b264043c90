import { classifyRecords, committedCursor, writePage } from '../../src/activities/page-writer';
import { DatabaseError, isNonRetryable } from '../../src/errors';
import { Dataset } from '../../src/simulator/dataset';
import { pageWrite } from '../helpers/page-write';
import { databaseForTests } from '../helpers/servers';
import { waitFor } from '../helpers/wait';

/** A page the database cannot take fails as the database's fault, so a run never blames the upstream for it. */
describe('a database that refuses a page', () => {
  // Each test puts back what it breaks: dropping a database per test would cut a connection the pool has just let go.
  const database = databaseForTests('database_error', 4);
  const page = classifyRecords(new Dataset({ seed: 3, size: 10, invalidShare: 0 }).validCars());

  it('fails the write as a retryable DatabaseError that names the database', async () => {
    await database.pool.query(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no space left (test)'; END $$`);
    await database.pool.query('CREATE TRIGGER refuse BEFORE INSERT ON cars FOR EACH ROW EXECUTE FUNCTION refuse()');
    const err = await writePage(database.pool, pageWrite(page, 'db-run')).catch((e: unknown) => e);
    await database.pool.query('DROP TRIGGER refuse ON cars');
    expect(err).toBeInstanceOf(DatabaseError);
    expect(isNonRetryable(err)).toBe(false);
    expect((err as DatabaseError).message).toMatch(/^database failed writing a page: no space left \(test\); check DATABASE_URL/);
    expect((await database.pool.query(`SELECT count(*)::int AS n FROM sync_page_cursors WHERE run_id = 'db-run'`)).rows[0].n).toBe(0);
  });

  it('fails reading the cursor the same way', async () => {
    await database.pool.query('ALTER TABLE sync_page_cursors RENAME TO sync_page_cursors_gone');
    const err = await committedCursor(database.pool, 'db-run', 'db').catch((e: unknown) => e);
    await database.pool.query('ALTER TABLE sync_page_cursors_gone RENAME TO sync_page_cursors');
    expect(err).toMatchObject({ type: 'DatabaseError', message: expect.stringContaining('reading the page cursor') });
  });

  // New cars go in without ON CONFLICT: an attempt that outlived its timeout and its retry must not both record them.
  it('fails the later of two attempts at the same new cars as retryable, naming the race; its retry writes nothing', async () => {
    const write = () => writePage(database.pool, pageWrite(page, 'race-run'));
    // The first attempt holds its transaction open at its cursor write until the test lets it go.
    await database.pool.query(`CREATE FUNCTION hold() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock(7); RETURN NEW; END $$`);
    await database.pool.query('CREATE TRIGGER hold BEFORE INSERT ON sync_page_cursors FOR EACH ROW EXECUTE FUNCTION hold()');
    const gate = await database.pool.connect();
    await gate.query('BEGIN');
    await gate.query('SELECT pg_advisory_xact_lock(7)');
    const first = write();
    const sql = `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = $1 AND datname = current_database()`;
    const waitingOn = (lock: string) =>
      waitFor(`a write waiting on a ${lock} lock`, async () => (await database.pool.query(sql, [lock])).rows[0].n > 0, { timeoutMs: 10_000 });
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
    await database.pool.query('DROP TRIGGER hold ON sync_page_cursors');
    expect(await write()).toMatchObject({ inserted: 0, updated: 0, unchanged: 10 });
    const { rows } = await database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM car_changes WHERE run_id = 'race-run' AND kind = 'inserted'`);
    expect(rows[0].n).toBe(10);
  });
});
