import { normalized, startHarness, type Harness } from '../helpers/sync-harness';

/**
 * The API's make filter is a comma-separated list in the URL: it would split a make with a comma,
 * and a list of every make can grow past what a server accepts in a URL. Planning leaves such makes
 * out of its filters and reads the whole listing for their cars, so none is taken for delisted.
 */
describe('makes a make filter cannot name', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 155, size: 3_000, invalidShare: 0 }, env: { CARSYNC_PAGE_SIZE: '250' } });
  });
  afterAll(() => h?.close());

  it('are never sent, their cars are never wrongly removed, and the mirror stays exact', async () => {
    const ids = h.sim.dataset.keys();
    for (const id of ids.slice(0, 5)) h.sim.dataset.change(id, { make: 'Rolls, Royce' });
    // Named together, these would make a URL longer than the simulator's HTTP server accepts (16 KB).
    ids.slice(100, 500).forEach((id, i) => h.sim.dataset.change(id, { make: `Coachbuilder number ${i} of the long tail of makes` }));
    const cold = await h.sync();
    expect(cold).toMatchObject({ status: 'completed', verified: true });
    expect((await h.listedCars()).map(normalized)).toEqual(h.sim.dataset.validCars().map(normalized));

    const filters: string[][] = [];
    h.sim.onRequest((query) => void (query.makes && filters.push([...query.makes])));
    const again = await h.sync();
    expect(again).toMatchObject({ status: 'completed', verified: true, removed: 0, removalCandidates: 0 });
    expect(again.notes.join('\n')).toMatch(/\d+ make\(s\) cannot be named in the API's make filter/);
    expect(filters.length).toBeGreaterThan(0);
    expect(filters.flat().filter((make) => make.startsWith('Rolls') || make.startsWith('Royce') || make.startsWith('Coachbuilder'))).toEqual([]);
    expect((await h.listedCars()).map(normalized)).toEqual(h.sim.dataset.validCars().map(normalized));

    h.sim.dataset.delist(ids[0]);
    h.sim.dataset.delist(ids[100]);
    h.sim.dataset.change(ids[1]);
    const third = await h.sync();
    expect(third).toMatchObject({ status: 'completed', verified: true, removed: 2 });
    const removed = (await h.pool.query('SELECT id FROM cars WHERE removed_at IS NOT NULL ORDER BY id')).rows.map((r) => Number(r.id));
    expect(removed).toEqual([ids[0], ids[100]]);
    expect((await h.listedCars()).map(normalized)).toEqual(h.sim.dataset.validCars().map(normalized));
  });
});
