import { normalized, startHarness, type Harness } from '../helpers/sync-harness';

/**
 * A server that serves at most 250 records a page whatever per_page asks (and says so in
 * meta.per_page). A range used to end at its first page shorter than asked: a full sync wrote a
 * fraction of the listing, and a re-sync of a full table took the unread cars for delisted.
 */
describe('an upstream that caps the page size', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 151, size: 6_000, faults: { pageCap: 250 } }, env: { CARSYNC_PAGE_SIZE: '1000' } });
  });
  afterAll(() => h?.close());

  const removedIds = async () => (await h.pool.query('SELECT id FROM cars WHERE removed_at IS NOT NULL ORDER BY id')).rows.map((r) => Number(r.id));

  it('syncs every car into an empty table, and proves it', async () => {
    const summary = await h.sync();
    expect(summary).toMatchObject({ status: 'completed', verified: true, unverifiedReasons: [], anomalies: 0, inserted: h.sim.dataset.validCars().length });
    expect(summary.pages).toBeGreaterThanOrEqual(h.sim.dataset.size / 250);
    expect((await h.listedCars()).map(normalized)).toEqual(h.sim.dataset.validCars().map(normalized));
  });

  it('re-syncs a full table marking removed exactly the cars delisted, and no other', async () => {
    const gone = h.sim.dataset.delistRandom(40).sort((a, b) => a - b);
    h.sim.dataset.changeRandom(0.02);
    const summary = await h.sync();
    expect(summary).toMatchObject({ status: 'completed', verified: true, removed: 40, removalBrakeTripped: false });
    expect(await removedIds()).toEqual(gone);
    expect((await h.listedCars()).map(normalized)).toEqual(h.sim.dataset.validCars().map(normalized));
    const { rows } = await h.pool.query('SELECT status, verified, unverified_reasons FROM sync_runs WHERE run_id = $1', [summary.runId]);
    expect(rows[0]).toEqual({ status: 'completed', verified: true, unverified_reasons: [] });
  });
});
