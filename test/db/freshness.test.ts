import { startHarness, type Harness } from '../helpers/sync-harness';

/** carsync_freshness: one row saying how fresh the mirror is. */
describe('the carsync_freshness view', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 619, size: 600, invalidShare: 0 }, env: { CARSYNC_PAGE_SIZE: '100' } });
  });
  afterAll(() => h?.close());

  const freshness = async () => (await h.pool.query('SELECT * FROM carsync_freshness')).rows;

  it('names the last full and incremental runs, their age, the listed cars, the last failure and the brake', async () => {
    expect(await freshness()).toEqual([
      expect.objectContaining({
        last_full_run_id: null,
        last_incremental_run_id: null,
        listed_cars: 0,
        last_failure_run_id: null,
        removal_brake_tripped: false,
      }),
    ]);

    const full = await h.sync();
    const incremental = await h.sync({ mode: 'incremental' });
    const badKey = await h.startWorkerWith({ CARS_API_KEY: 'not-the-key' });
    const failing = await badKey.start();
    await expect(failing.result()).rejects.toThrow();
    await badKey.close();

    const [row] = await freshness();
    expect(row).toMatchObject({
      last_full_run_id: full.runId,
      last_incremental_run_id: incremental.runId,
      listed_cars: 600,
      last_failure_run_id: failing.firstExecutionRunId,
      removal_brake_tripped: false,
    });
    expect(row.last_full_age.minutes ?? 0).toBe(0);
    expect(row.last_full_finished_at.getTime()).toBeLessThanOrEqual(Date.now());

    h.sim.dataset.delistRandom(120);
    const braked = await h.sync();
    expect(braked.removalBrakeTripped).toBe(true);
    // A run whose brake tripped completed: it is the last full run, and the view says what it did not do.
    expect((await freshness())[0]).toMatchObject({ last_full_run_id: braked.runId, removal_brake_tripped: true });
  });
});
