import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const good = { DATABASE_URL: 'postgres://u:secret-pw@127.0.0.1:1/db', CARS_API_URL: 'http://127.0.0.1:1', CARS_API_KEY: 'k-secret' };

async function start(script: string, env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(k in good) && !k.startsWith('CARSYNC_')));
  try {
    await run(tsx, [join(root, script)], { env: { ...base, ...env }, timeout: 30_000 });
    return { code: 0, stderr: '' };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

describe('the worker refuses bad configuration', () => {
  it('exits non-zero naming CARS_API_URL when it is missing', async () => {
    const { code, stderr } = await start('src/worker.ts', { DATABASE_URL: good.DATABASE_URL, CARS_API_KEY: good.CARS_API_KEY });
    expect(code).not.toBe(0);
    expect(stderr).toContain('CARS_API_URL is required');
  });

  it('exits non-zero naming DATABASE_URL when it is malformed, without echoing it', async () => {
    const { code, stderr } = await start('src/worker.ts', { ...good, DATABASE_URL: 'mysql://root:hunter2@db/cars' });
    expect(code).not.toBe(0);
    expect(stderr).toContain('DATABASE_URL must be a postgres: or postgresql: URL');
    expect(stderr).not.toContain('hunter2');
  });

  it('names a tuning variable that is out of range', async () => {
    const { code, stderr } = await start('src/worker.ts', { ...good, CARSYNC_PAGE_SIZE: '5000' });
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/CARSYNC_PAGE_SIZE: .*1000/);
  });

  it('names a nice value the worker cannot take', async () => {
    const { code, stderr } = await start('src/worker.ts', { ...good, CARSYNC_WORKER_NICE: '-5' });
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/CARSYNC_WORKER_NICE: .*0/);
  });

  it('names DATABASE_URL for db:migrate too', async () => {
    const { code, stderr } = await start('src/db/migrate-cli.ts', { DATABASE_URL: 'not a url' });
    expect(code).not.toBe(0);
    expect(stderr).toContain('DATABASE_URL');
  });
});
