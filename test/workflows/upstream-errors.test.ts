import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { startHarness, type Harness } from '../helpers/sync-harness';

/** The root cause of a failed run, as the Web UI and the CLI show it. */
async function failureOf(run: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await run.then(
    () => {
      throw new Error('the run was expected to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

describe('errors that no retry can fix stop the run at once and change nothing', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 3, size: 3_000, forbiddenKeys: ['read-nothing'] }, env: { CARSYNC_PAGE_SIZE: '100' } });
  });
  afterAll(() => h?.close());

  async function carsFingerprint(): Promise<string> {
    return (await h.pool.query(`SELECT md5(coalesce(string_agg(id || ':' || xmin, ',' ORDER BY id), '')) AS v FROM cars`)).rows[0].v;
  }

  it('fails a run with a rejected key (401) at the first answer, without retrying, naming CARS_API_KEY and never the key', async () => {
    await h.sync();
    const before = await carsFingerprint();
    const worker = await h.startWorkerWith({ CARS_API_KEY: 'wrong-key-0123456789' });
    const requestsBefore = h.sim.stats.requests;
    const failure = await failureOf(worker.sync());
    // Planning's first requests (up to three, asked at once) are answered 401, and the run stops there.
    expect(h.sim.stats.requests - requestsBefore).toBeLessThanOrEqual(3);
    expect(h.sim.stats.byStatus[401]).toBe(h.sim.stats.requests - requestsBefore);
    expect(failure.type).toBe('UpstreamAuthError');
    expect(failure.message).toContain('CARS_API_KEY');
    expect(JSON.stringify(failure)).not.toContain('wrong-key-0123456789');
    expect(await carsFingerprint()).toBe(before);
    await worker.close();
  });

  it('fails a run with a forbidden key (403) as an auth error', async () => {
    const worker = await h.startWorkerWith({ CARS_API_KEY: 'read-nothing' });
    const failure = await failureOf(worker.sync());
    expect(failure.type).toBe('UpstreamAuthError');
    expect(failure.message).toContain('403');
    await worker.close();
  });

  it('fails a run whose input is invalid, naming the field', async () => {
    const failure = await failureOf(h.sync({ pageSize: 5000 }));
    expect(failure.type).toBe('InvalidRunInputError');
    expect(failure.message).toContain('pageSize');
  });

  it('fails a run whose API URL has no listing endpoint (404) as a configuration error', async () => {
    const worker = await h.startWorkerWith({ CARS_API_URL: `${h.sim.url}/nowhere` });
    const failure = await failureOf(worker.sync());
    expect(failure.type).toBe('UpstreamConfigError');
    expect(failure.message).toContain('CARS_API_URL');
    await worker.close();
  });

  it.each([405, 410, 422])('fails a run answered %i at once as a configuration error', async (status) => {
    h.sim.setFaults({ forcedStatus: status });
    const requestsBefore = h.sim.stats.requests;
    try {
      const failure = await failureOf(h.sync());
      expect(failure.type).toBe('UpstreamConfigError');
      expect(failure.message).toContain(`(${status})`);
      // Planning's first requests, asked at once, and no retry.
      expect(h.sim.stats.requests - requestsBefore).toBeLessThanOrEqual(3);
    } finally {
      h.sim.setFaults({ forcedStatus: null });
    }
  });

  it('retries a run answered 408 until the upstream answers again', async () => {
    h.sim.setFaults({ forcedStatus: 408 });
    const run = h.sync();
    while ((h.sim.stats.byStatus[408] ?? 0) < 2) await new Promise((resolve) => setTimeout(resolve, 100));
    h.sim.setFaults({ forcedStatus: null });
    expect((await run).status).toBe('completed');
  });

  it('records failed runs in the ledger and marks nothing removed', async () => {
    const { rows } = await h.pool.query(`SELECT status, count(*)::int AS n FROM sync_runs GROUP BY status ORDER BY status`);
    expect(rows).toEqual([
      { status: 'completed', n: 2 },
      { status: 'failed', n: 7 },
    ]);
    const removed = await h.pool.query('SELECT count(*)::int AS n FROM cars WHERE removed_at IS NOT NULL');
    expect(removed.rows[0].n).toBe(0);
  });
});
