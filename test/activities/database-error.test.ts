import { Pool } from 'pg';
import { classifyRecords, committedCursor, writePage } from '../../src/activities/page-writer';
import { DatabaseError, isNonRetryable } from '../../src/errors';
import { Dataset } from '../../src/simulator/dataset';
import { ZERO_COUNTS } from '../../src/sync-types';
import { migratedDatabase, type FreshDatabase } from '../helpers/servers';

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
