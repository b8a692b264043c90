import { DEFAULT_PRIORITY_MAKES } from '../../src/config';
import { normalized, startHarness, type Harness } from '../helpers/sync-harness';

describe('a full sync', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 11, size: 20_000 }, env: { CARSYNC_PAGE_SIZE: '500' } });
  });
  afterAll(() => h?.close());

  it('leaves cars equal to the upstream field by field, then a second run writes nothing', async () => {
    const first = await h.sync();
    const expected = h.sim.dataset.validCars().map(normalized);
    const invalid = h.sim.dataset.invalidRecords();

    expect(first.status).toBe('completed');
    // The first sync reads the priority makes first, then the whole listing: those cars twice.
    const priority = (make: unknown) => (DEFAULT_PRIORITY_MAKES as readonly unknown[]).includes(make);
    expect(first.carsSeen).toBe(20_000 + h.sim.dataset.all().filter((r) => priority(r.make)).length);
    expect(first.inserted).toBe(expected.length);
    expect(first.rejected).toBe(invalid.length + invalid.filter((r) => priority((r.record as { make?: unknown } | null)?.make)).length);
    expect(first.removed).toBe(0);
    expect((await h.listedCars()).map(normalized)).toEqual(expected);

    // Every row version's xmin: a rewrite of any row, even to identical values, changes it.
    const versions = async () => (await h.pool.query(`SELECT md5(string_agg(id || ':' || xmin, ',' ORDER BY id)) AS v FROM cars`)).rows[0].v;
    const before = await versions();
    const second = await h.sync();
    expect(second).toMatchObject({ status: 'completed', inserted: 0, updated: 0, removed: 0 });
    expect(second.unchanged).toBeGreaterThanOrEqual(expected.length);
    expect(await versions()).toBe(before);
  });

  it('keeps every invalid record in car_rejects, and none of them in cars', async () => {
    const invalid = h.sim.dataset.invalidRecords();
    expect(invalid.length).toBeGreaterThan(0);
    const { rows } = await h.pool.query<{ payload: unknown; reasons: string[]; car_id: number | null }>('SELECT car_id, payload, reasons FROM car_rejects');
    expect(rows).toHaveLength(invalid.length);
    expect(rows.map((r) => r.payload)).toEqual(expect.arrayContaining(invalid.map((r) => r.record)));
    for (const row of rows) expect(row.reasons.length).toBeGreaterThan(0);
    const rejectedIds = rows.map((r) => r.car_id).filter((id): id is number => id !== null);
    const { rows: leaked } = await h.pool.query('SELECT id FROM cars WHERE id = ANY($1::bigint[])', [rejectedIds]);
    expect(leaked).toEqual([]);
  });
});
