import { Pool } from 'pg';
import { ConfigurationError, loadDatabaseUrl } from '../config';
import { migrate } from './migrate';

async function main(): Promise<void> {
  const pool = new Pool({ connectionString: loadDatabaseUrl(), max: 1 });
  try {
    const applied = await migrate(pool);
    console.log(applied.length ? `applied ${applied.join(', ')}` : 'database is up to date');
  } finally {
    await pool.end();
  }
}

main().catch((err) => {
  console.error(err instanceof ConfigurationError ? err.message : `db:migrate failed: ${(err as Error).message}`);
  process.exit(1);
});
