import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { EXIT, parseCommand, runCheckVerb, type Command } from '../../src/client';
import { migrate } from '../../src/db/migrate';
import { freshDatabase, type FreshDatabase } from '../helpers/servers';
import { startHarness, type Harness } from '../helpers/sync-harness';

/** check names the first requirement that is not met, and exits 1; 0 when all are. */
describe('npm run sync -- check', () => {
  let h: Harness;
  let unmigrated: FreshDatabase;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 647, size: 100 } });
    unmigrated = await freshDatabase('check');
  });
  afterAll(async () => {
    await unmigrated?.drop();
    await h?.close();
  });

  const good = () => ({
    TEMPORAL_ADDRESS: process.env.CARSYNC_TEST_TEMPORAL_ADDRESS!,
    TEMPORAL_TASK_QUEUE: h.taskQueue,
    DATABASE_URL: h.databaseUrl,
    CARS_API_URL: h.sim.url,
    CARS_API_KEY: 'sim-key',
  });
  const check = async (env: Record<string, string>) => {
    const chunks: string[] = [];
    const code = await runCheckVerb(parseCommand(['check', '--json']) as Command, env, { write: (t: string) => chunks.push(t) });
    return { code, report: JSON.parse(chunks.join('')) };
  };

  it('passes when every requirement is met', async () => {
    const { code, report } = await check(good());
    expect(code).toBe(EXIT.ok);
    expect(report).toMatchObject({ ok: true, failed: null });
    expect(report.checks.map((c: { name: string }) => c.name)).toEqual(['config', 'temporal', 'database', 'api', 'worker']);
  });

  it.each([
    ['config', { CARS_API_KEY: '' }, /CARS_API_KEY is required/],
    ['temporal', { TEMPORAL_ADDRESS: '127.0.0.1:9' }, /cannot reach Temporal at 127\.0\.0\.1:9 \(TEMPORAL_ADDRESS\)/],
    ['temporal', { TEMPORAL_NAMESPACE: 'no-such-namespace' }, /has no namespace "no-such-namespace" \(TEMPORAL_NAMESPACE\)/],
    ['database', { DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none' }, /cannot reach the database at DATABASE_URL/],
    ['database', 'unmigrated', /lacks migration\(s\) 001_init\.sql, .*run `npm run db:migrate`/],
    ['api', { CARS_API_KEY: 'not-the-key' }, /refused the API key \(401\).*CARS_API_KEY/],
    ['worker', { TEMPORAL_TASK_QUEUE: `no-worker-${randomUUID()}` }, /no worker polls task queue "no-worker-.*": .*`npm run worker`/],
  ] as const)('fails at %s when it is not met: %p', async (name, change, detail) => {
    const env = change === 'unmigrated' ? { ...good(), DATABASE_URL: unmigrated.url } : { ...good(), ...change };
    const { code, report } = await check(env);
    expect(code).toBe(EXIT.failed);
    expect(report.failed).toBe(name);
    const last = report.checks.at(-1);
    expect(last).toMatchObject({ name, ok: false });
    expect(last.detail).toMatch(detail);
    expect(report.checks.slice(0, -1).every((c: { ok: boolean }) => c.ok)).toBe(true);
    expect(JSON.stringify(report)).not.toContain('not-the-key');
  });

  it('passes against a database once migrated', async () => {
    const pool = new Pool({ connectionString: unmigrated.url, max: 1 });
    await migrate(pool).finally(() => pool.end());
    expect((await check({ ...good(), DATABASE_URL: unmigrated.url })).code).toBe(EXIT.ok);
  });
});
