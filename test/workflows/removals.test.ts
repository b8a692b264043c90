import { normalized, selectCars, startHarness, type Harness } from '../helpers/sync-harness';

describe('removals', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 31, size: 4_000, invalidShare: 0 }, env: { CARSYNC_PAGE_SIZE: '250' } });
    await h.sync();
  });
  afterAll(() => h?.close());

  const removedIds = async () => (await h.pool.query('SELECT id FROM cars WHERE removed_at IS NOT NULL ORDER BY id')).rows.map((r) => Number(r.id));

  it('marks cars that are no longer listed removed after a complete full run, and only those', async () => {
    const gone = h.sim.dataset.delistRandom(40).sort((a, b) => a - b);
    const summary = await h.sync();
    expect(summary).toMatchObject({ status: 'completed', removed: 40, removalBrakeTripped: false });
    expect(await removedIds()).toEqual(gone);
    expect((await h.listedCars()).map(normalized)).toEqual(h.sim.dataset.validCars().map(normalized));
  });

  it('clears removed_at when a removed car is listed again', async () => {
    const [back] = await removedIds();
    const { rows } = await h.pool.query(`SELECT to_jsonb(c) - 'removed_at' - 'synced_at' - 'first_synced_at' - 'data_hash' AS car FROM cars c WHERE id = $1`, [
      back,
    ]);
    const stored = (await selectCars(h.pool, `WHERE id = ${back}`))[0];
    h.sim.dataset.relist(stored, back);
    expect(rows).toHaveLength(1);
    await h.sync();
    expect(await removedIds()).not.toContain(back);
    expect((await h.listedCars()).map(normalized)).toEqual(h.sim.dataset.validCars().map(normalized));
  });

  it('refuses to remove more than the allowed share in one run, and says so', async () => {
    const before = await removedIds();
    const listed = h.sim.dataset.size;
    h.sim.dataset.delistRandom(Math.ceil(listed * 0.15));
    const summary = await h.sync();
    expect(summary).toMatchObject({ status: 'completed', removed: 0, removalBrakeTripped: true });
    expect(summary.removalCandidates).toBe(Math.ceil(listed * 0.15));
    expect(await removedIds()).toEqual(before);

    const allowed = await h.sync({ maxRemovalShare: 0.2 });
    expect(allowed).toMatchObject({ removed: Math.ceil(listed * 0.15), removalBrakeTripped: false });
  });

  it('removes nothing when a run is cancelled part way', async () => {
    const before = await removedIds();
    h.sim.dataset.delistRandom(10);
    h.sim.setLatency(200);
    const handle = await h.start({ concurrency: 1, pageSize: 100 });
    await new Promise<void>((resolve) => {
      let n = 0;
      h.sim.onRequest(() => void (++n === 5 && resolve()));
    });
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    h.sim.setLatency(0);
    expect(await removedIds()).toEqual(before);
    const { rows } = await h.pool.query('SELECT status FROM sync_runs WHERE run_id = $1', [handle.firstExecutionRunId]);
    expect(rows[0].status).toBe('cancelled');
    const leftovers = await h.pool.query('SELECT count(*)::int AS n FROM sync_removal_candidates');
    expect(leftovers.rows[0].n).toBe(0);
  });
});

describe('a record that becomes invalid', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 32, size: 1_000, invalidShare: 0 } });
  });
  afterAll(() => h?.close());

  it('keeps its last good version in cars, and the reject row says why', async () => {
    await h.sync();
    const [victim] = h.sim.dataset.validCars();
    const good = (await selectCars(h.pool, `WHERE id = ${victim.id}`))[0];
    h.sim.dataset.change(victim.id, { year: 1890 });
    const summary = await h.sync();
    expect(summary).toMatchObject({ rejected: 1, removed: 0 });
    expect((await selectCars(h.pool, `WHERE id = ${victim.id}`))[0]).toEqual(good);
    const { rows } = await h.pool.query('SELECT car_id, reasons, removed_at FROM car_rejects r LEFT JOIN cars c ON c.id = r.car_id');
    expect(rows).toHaveLength(1);
    expect(Number(rows[0].car_id)).toBe(victim.id);
    expect(rows[0].reasons.join(' ')).toContain('year');
    expect(rows[0].removed_at).toBeNull();
  });
});
