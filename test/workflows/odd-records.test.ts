import { storableText } from '../../src/activities/car-schema';
import type { Car } from '../../src/car';
import type { OddRecord } from '../../src/simulator/dataset';
import { normalized, startHarness, type Harness } from '../helpers/sync-harness';

/** Odd text PostgreSQL cannot store as it is: each record with it is stored cleaned (see storableText). */
const CLEANED_KINDS = new Set(['nul', 'lone_surrogate']);

/** The car a correct sync stores for a record served with odd text: its fields, text cleaned. */
function cleanedCar(odd: OddRecord): Car {
  const r = odd.served as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? storableText(value) : value);
  return {
    id: r.id,
    make: text(r.make),
    model: text(r.model),
    trim: text(r.trim),
    year: r.year,
    price: r.price,
    currency: r.currency,
    mileage_km: r.mileage_km,
    fuel: r.fuel,
    transmission: r.transmission,
    color: text(r.color),
    body_type: text(r.body_type),
    vin: text(r.vin),
    location: text(r.location),
    lot_number: text(r.lot_number),
    images: (r.images as string[]).map(storableText),
    status: r.status,
    listed_at: r.listed_at,
    updated_at: r.updated_at,
  } as Car;
}

describe('a full sync of a listing with 0.3% odd records', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 61, size: 20_000, oddShare: 0.003 }, env: { CARSYNC_PAGE_SIZE: '500' } });
  });
  afterAll(() => h?.close());

  it('fails no page, stores the rest exactly, cleans or rejects each odd record, and a re-sync writes nothing', async () => {
    const odd = h.sim.dataset.oddRecords();
    expect(new Set(odd.map((o) => o.kind)).size).toBe(7);
    const cleaned = odd.filter((o) => CLEANED_KINDS.has(o.kind));
    const rejected = odd.filter((o) => !CLEANED_KINDS.has(o.kind));
    expect(cleaned.some((o) => /\0|[\uD800-\uDFFF]/.test(String((o.served as Car).make)))).toBe(true);
    const expected = [...h.sim.dataset.validCars(), ...cleaned.map(cleanedCar)].sort((a, b) => a.id - b.id).map(normalized);
    const rejects = h.sim.dataset.invalidRecords().length + rejected.length;
    // car_rejects keeps one row per distinct payload: elements that are no record repeat (null, 42, ...).
    const nonObjects = rejected.filter((o) => o.kind === 'non_object').map((o) => JSON.stringify(o.served));
    const rejectRows = rejects - nonObjects.length + new Set(nonObjects).size;

    // One pass, so each record is read once: a first sync would otherwise read the priority makes twice.
    const first = await h.sync({ priorityMakes: [] });
    expect(first).toMatchObject({ status: 'completed', carsSeen: 20_000, inserted: expected.length, rejected: rejects, retries: 0, removed: 0 });
    expect((await h.listedCars()).map(normalized)).toEqual(expected);
    const { rows } = await h.pool.query<{ car_id: number | null; reasons: string[] }>('SELECT car_id, reasons FROM car_rejects');
    expect(rows).toHaveLength(rejectRows);
    for (const row of rows) expect(row.reasons.length).toBeGreaterThan(0);
    const rejectedIds = new Set(rows.map((r) => r.car_id));
    for (const o of rejected) if (o.kind !== 'non_object') expect(rejectedIds).toContain(o.key);

    // Every row version's xmin: a rewrite of any row, even to identical values, changes it.
    const versions = async () => (await h.pool.query(`SELECT md5(string_agg(id || ':' || xmin, ',' ORDER BY id)) AS v FROM cars`)).rows[0].v;
    const before = await versions();
    // The second run names stored makes in its filters, cleaned ones too: none of those cars may be taken for delisted.
    const second = await h.sync({ priorityMakes: [] });
    expect(second).toMatchObject({ status: 'completed', inserted: 0, updated: 0, removed: 0, removalCandidates: 0, retries: 0 });
    expect(await versions()).toBe(before);
    expect((await h.listedCars()).map(normalized)).toEqual(expected);
    expect((await h.pool.query('SELECT count(*)::int AS n FROM car_rejects')).rows[0].n).toBe(rejectRows);
  }, 180_000);
});
