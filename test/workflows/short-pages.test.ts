import { normalized, startHarness, type Harness } from '../helpers/sync-harness';

/** A server may serve fewer records than asked though more exist: a short page ends nothing. */
describe('an upstream that serves short pages', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 152, size: 4_000, faults: { shortPageRate: 0.5 } }, env: { CARSYNC_PAGE_SIZE: '200' } });
  });
  afterAll(() => h?.close());

  it('reads on past them to an exact, verified mirror, cold and as a re-sync', async () => {
    const cold = await h.sync();
    expect(cold).toMatchObject({ status: 'completed', verified: true, anomalies: 0, inserted: h.sim.dataset.validCars().length });
    expect((await h.listedCars()).map(normalized)).toEqual(h.sim.dataset.validCars().map(normalized));

    const gone = h.sim.dataset.delistRandom(25).sort((a, b) => a - b);
    const again = await h.sync();
    expect(again).toMatchObject({ status: 'completed', verified: true, removed: 25 });
    const removed = (await h.pool.query('SELECT id FROM cars WHERE removed_at IS NOT NULL ORDER BY id')).rows.map((r) => Number(r.id));
    expect(removed).toEqual(gone);
    expect((await h.listedCars()).map(normalized)).toEqual(h.sim.dataset.validCars().map(normalized));
  });
});
