import { Pool } from 'pg';
import { loadWorkerConfig } from '../../src/config';
import { migrate } from '../../src/db/migrate';
import { buildWorker } from '../../src/worker';
import { freshDatabase, testTemporalAddress, type FreshDatabase } from '../helpers/servers';

/** A worker refuses a database whose migrations are missing or behind, naming the fix. */
describe('the worker and the schema', () => {
  let db: FreshDatabase;
  beforeAll(async () => {
    db = await freshDatabase('schema');
  });
  afterAll(() => db?.drop());

  const config = () =>
    loadWorkerConfig({
      TEMPORAL_ADDRESS: testTemporalAddress(),
      TEMPORAL_TASK_QUEUE: 'schema-test',
      DATABASE_URL: db.url,
      CARS_API_URL: 'http://127.0.0.1:9',
      CARS_API_KEY: 'k',
    });

  it('refuses to start without migrations, and behind them', async () => {
    await expect(buildWorker(config())).rejects.toThrow(/lacks migration\(s\) 001_init\.sql, .*007_listed_hashes\.sql: run `npm run db:migrate`/);
    const pool = new Pool({ connectionString: db.url, max: 1 });
    try {
      await migrate(pool);
      await pool.query(`DELETE FROM schema_migrations WHERE version = '007_listed_hashes.sql'`);
    } finally {
      await pool.end();
    }
    await expect(buildWorker(config())).rejects.toThrow(/lacks migration\(s\) 007_listed_hashes\.sql: run `npm run db:migrate`/);
  });
});
