import { selectCars, startHarness, type Harness } from '../helpers/sync-harness';

/** car_changes holds one row per change a run made to `cars`, written with it. */
describe('car_changes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 613, size: 1_000, invalidShare: 0 }, env: { CARSYNC_PAGE_SIZE: '200' } });
  });
  afterAll(() => h?.close());

  const changesOf = async (runId: string) =>
    (
      await h.pool.query(`SELECT car_id, kind, fields, old_price, new_price, old_status, new_status FROM car_changes WHERE run_id = $1 ORDER BY car_id, kind`, [
        runId,
      ])
    ).rows;

  it('records inserts, updates, removals and a relisting exactly', async () => {
    const first = await h.sync();
    const inserted = await changesOf(first.runId);
    expect(inserted).toHaveLength(1_000);
    expect(inserted.every((c) => c.kind === 'inserted' && c.fields.length === 0 && c.old_price === null)).toBe(true);
    expect(new Set(inserted.map((c) => c.car_id)).size).toBe(1_000);

    const [repriced, sold, gone] = h.sim.dataset.validCars().slice(10, 13);
    h.sim.dataset.change(repriced.id, { price: repriced.price + 1_000 });
    h.sim.dataset.change(sold.id, { status: sold.status === 'sold' ? 'active' : 'sold' });
    h.sim.dataset.delist(gone.id);
    const second = await h.sync();
    expect(second).toMatchObject({ status: 'completed', updated: 2, removed: 1 });
    expect(await changesOf(second.runId)).toEqual(
      [
        {
          car_id: repriced.id,
          kind: 'updated',
          fields: ['price', 'source_updated_at'],
          old_price: repriced.price,
          new_price: repriced.price + 1_000,
          old_status: repriced.status,
          new_status: repriced.status,
        },
        {
          car_id: sold.id,
          kind: 'updated',
          fields: ['status', 'source_updated_at'],
          old_price: sold.price,
          new_price: sold.price,
          old_status: sold.status,
          new_status: sold.status === 'sold' ? 'active' : 'sold',
        },
        { car_id: gone.id, kind: 'removed', fields: [], old_price: gone.price, new_price: gone.price, old_status: gone.status, new_status: gone.status },
      ].sort((a, b) => a.car_id - b.car_id),
    );

    const stored = (await selectCars(h.pool, `WHERE id = ${gone.id}`))[0];
    h.sim.dataset.relist(stored, gone.id);
    const third = await h.sync();
    expect(await changesOf(third.runId)).toEqual([
      {
        car_id: gone.id,
        kind: 'relisted',
        fields: ['source_updated_at'],
        old_price: gone.price,
        new_price: gone.price,
        old_status: gone.status,
        new_status: gone.status,
      },
    ]);

    // Nothing changed: nothing is written.
    const fourth = await h.sync();
    expect(await changesOf(fourth.runId)).toEqual([]);
  });
});
