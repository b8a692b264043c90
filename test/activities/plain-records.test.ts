import { isDeepStrictEqual } from 'node:util';
import { MIRRORED_FIELDS } from '../../src/car';
import { checkRecord, MAX_TEXT_LENGTH, schemaCheck } from '../../src/activities/car-schema';
import { Dataset } from '../../src/simulator/dataset';

/** The values each field is tried with: each edge of the contract and of what PostgreSQL stores. */
const TRIALS: Record<string, unknown[]> = {
  id: [0, -1, 1.5, 2 ** 53, '7', null],
  make: ['', 'x'.repeat(MAX_TEXT_LENGTH), 'x'.repeat(MAX_TEXT_LENGTH + 1), 'a\u0000b', 'a\uD800', '\uD83D\uDE97', 1, null],
  model: ['', 'M', null],
  trim: [null, '', 'T\uDFFF', 'x'.repeat(MAX_TEXT_LENGTH + 1), 3],
  year: [1949, 1950, 2100, 2101, 2000.5, '2000', null],
  price: [-1, 0, 1.5, 2 ** 53 - 1, 2 ** 53, 2 ** 64, null],
  currency: ['KRW', 'krw', 'KR', 'KRWW', 'EUR', '', null],
  mileage_km: [-1, 0, 0.5, 2 ** 64],
  fuel: ['gasoline', 'Gasoline', 'petrol', null],
  transmission: ['manual', 'Manual', null],
  color: [null, 'red\u0000', ''],
  body_type: [null, 7],
  vin: [null, 'A'.repeat(16), 'A'.repeat(17), 'A'.repeat(18), `${'A'.repeat(16)}\u0000`, `${'A'.repeat(16)}\uD800`],
  location: [null, 'x'.repeat(20_000)],
  lot_number: [null, ['x']],
  images: [[], ['a'], ['a\u0000'], ['x'.repeat(MAX_TEXT_LENGTH + 1)], [1], [['a']], null, 'a'],
  status: ['sold', 'SOLD', 'gone', null],
  listed_at: [
    '2024-02-29T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2024-04-31T00:00:00Z',
    '2024-01-01T24:00:00Z',
    '2024-01-01T00:00:00.123456Z',
    '2024-01-01T00:00:00+15:59',
    '2024-01-01T00:00:00+16:00',
    '2024-01-01T00:00:00-23:59',
    '0000-01-01T00:00:00Z',
    '0001-01-01T00:00:00Z',
    '2024-01-01T00:00:00z',
    '2024-01-01T00:00Z',
    '2024-01-01 00:00:00Z',
    '2024-01-01T00:00:00',
    1_700_000_000,
    null,
  ],
  updated_at: ['2024-01-01T00:00:00+05:30', 'yesterday', '9999-12-31T23:59:59Z'],
};

/** Generated records (invalid and odd ones among them, as served), then each field of valid cars tried with each edge, absent, and unknown fields added. */
function corpus(): unknown[] {
  const dataset = new Dataset({ seed: 17, size: 15_000, invalidShare: 0.1, oddShare: 0.05 });
  const page = dataset.query({ page: 1, perPage: 15_000, afterId: null, maxId: null, updatedSince: null, makes: null });
  const records: unknown[] = page.items.map((json) => JSON.parse(json) as unknown);
  const cars = dataset.validCars().slice(0, 300) as unknown as Record<string, unknown>[];
  for (const [i, car] of cars.entries()) {
    for (const [field, values] of Object.entries(TRIALS)) {
      records.push({ ...car, [field]: values[i % values.length] });
      if (i % 10 === 0) records.push(Object.fromEntries(Object.entries(car).filter(([key]) => key !== field)));
    }
    records.push({ ...car, extra: 'kept out', __proto__: null }, [car], null, 42, 'car');
  }
  return records;
}

/** checkRecord passes nearly every record without zod: it must answer every record as zod's check does. */
describe('checkRecord', () => {
  it('accepts and rejects as the schema check does, and stores the same fields, over 20,000 odd records', () => {
    const records = corpus();
    expect(records.length).toBeGreaterThan(20_000);
    let accepted = 0;
    const differing: unknown[] = [];
    for (const record of records) {
      const fast = checkRecord(record);
      const full = schemaCheck(record);
      if (fast.ok && full.ok) {
        accepted++;
        if (!(['id', ...MIRRORED_FIELDS] as const).every((field) => isDeepStrictEqual(fast.car[field], full.car[field]))) differing.push(record);
      } else if (!isDeepStrictEqual(fast, full)) {
        differing.push(record);
      }
    }
    expect(differing).toEqual([]);
    // Both answers are common in the corpus.
    expect(accepted).toBeGreaterThan(5_000);
    expect(records.length - accepted).toBeGreaterThan(5_000);
  });
});
