import { types } from 'pg';
import { recordHash } from '../../src/activities/car-hash';
import { createCarsApi } from '../../src/activities/cars-api';
import { MAX_PAYLOAD_DEPTH, MAX_TEXT_LENGTH } from '../../src/activities/car-schema';
import { classifyRecords, writePage } from '../../src/activities/page-writer';
import { Dataset } from '../../src/simulator/dataset';
import { pageWrite } from '../helpers/page-write';
import { databaseForTests } from '../helpers/servers';

types.setTypeParser(types.builtins.INT8, Number);

/** Arrays nested `levels` deep, built without recursion. */
function nested(levels: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < levels; i++) value = [value];
  return value;
}

/** A page of records PostgreSQL cannot store as they are: each is stored cleaned or rejected, and the rest of the page is written. */
describe('a page with odd records', () => {
  const database = databaseForTests('odd_records', 2);
  /** A key with characters that URL-encoding and JSON-escaping change, as an upstream may echo it in either form. */
  const key = 'sk/live+42"x';
  // Never asked anything: only its redact is used.
  const api = createCarsApi({ url: 'http://127.0.0.1:9', key, timeoutMs: 1_000 });
  afterAll(async () => {
    await api.close();
  });

  const cars = new Dataset({ seed: 9, size: 100, invalidShare: 0 }).validCars() as unknown as Record<string, unknown>[];
  const car = (i: number, patch: Record<string, unknown> = {}) => ({ ...cars[i], id: i + 1, ...patch });
  const long = 'y'.repeat(MAX_TEXT_LENGTH + 1);
  const stored = {
    nulInModel: car(0, { model: 'Son\u0000ata' }),
    loneSurrogates: car(1, { trim: 'a\uD800b', images: ['https://x.example/\uDFFF.jpg'], location: '\uD83D\uDE97 ok' }),
    oddTextInUnknownField: car(2, { ['note\u0000']: 'x\uD800', extra: nested(100_000) }),
    longestText: car(3, { location: 'z'.repeat(MAX_TEXT_LENGTH) }),
    widestOffset: car(4, { listed_at: '2024-05-01T12:00:00+15:59' }),
  };
  const rejected = {
    longText: car(10, { location: long }),
    longImageUrl: car(11, { images: [long] }),
    yearZero: car(12, { listed_at: '0000-01-01T00:00:00Z' }),
    offset16h: car(13, { updated_at: '2024-05-01T12:00:00-16:00' }),
    priceBeyondBigint: car(14, { price: 2 ** 64 }),
    mileageBeyondSafe: car(15, { mileage_km: 2 ** 53 + 2 }),
    deepImages: car(16, { images: nested(100_000) }),
    shallowNestedImages: car(17, { images: nested(100) }),
    oddTextInvalid: car(18, { year: 1890, ['k\u0000']: 'v\uDC00', trim: long }),
    echoesCredentials: car(19, {
      year: 1890,
      model: `sent with key ${key}`,
      images: [`https://x.example/cars?api_key=${encodeURIComponent(key)}`],
      location: JSON.stringify({ headers: { Authorization: 'Bearer abc.def-123' } }),
      [`seen-${key}`]: [JSON.stringify(key), 'x'.repeat(MAX_TEXT_LENGTH - 10) + key],
    }),
  };
  const elements = [null, 42, 'not a car\u0000', [], { ...cars[19], id: 'A-1' }];

  it('stores the cleaned ones, rejects the rest with reasons and storable payloads, and a re-write writes nothing', async () => {
    const data = [...Object.values(stored), ...Object.values(rejected), ...elements];
    const page = classifyRecords(data);
    expect(page.seenIds.size).toBe(Object.keys(stored).length + Object.keys(rejected).length);
    const write = () => writePage(database.pool, pageWrite(page, 'odd-run', { redact: api.redact }));

    const first = await write();
    expect(first).toMatchObject({ carsSeen: data.length, inserted: Object.keys(stored).length, rejected: Object.keys(rejected).length + elements.length });

    const { rows } = await database.pool.query('SELECT id, model, "trim", location, images, listed_at, data_hash FROM cars ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual(Object.values(stored).map((r) => r.id));
    const row = (id: number) => rows.find((r) => r.id === id);
    expect(row(1).model).toBe('Son\uFFFData');
    expect(row(2)).toMatchObject({ trim: 'a\uFFFDb', images: ['https://x.example/\uFFFD.jpg'], location: '\uD83D\uDE97 ok' });
    expect(row(4).location).toHaveLength(MAX_TEXT_LENGTH);
    expect(row(5).listed_at.toISOString()).toBe('2024-04-30T20:01:00.000Z');
    // Hashed as received: the next run finds the cleaned car unchanged.
    for (const record of Object.values(stored)) expect(row(record.id).data_hash).toBe(recordHash(record));

    const { rows: rejects } = await database.pool.query<{ car_id: number | null; payload: unknown; reasons: string[] }>(
      'SELECT car_id, payload, reasons FROM car_rejects ORDER BY id',
    );
    const reasonsOf = (id: number) => rejects.find((r) => r.car_id === id)?.reasons.join('; ');
    expect(reasonsOf(11)).toBe(`location: longer than ${MAX_TEXT_LENGTH} characters`);
    expect(reasonsOf(12)).toBe(`images.0: longer than ${MAX_TEXT_LENGTH} characters`);
    expect(reasonsOf(13)).toContain('listed_at: outside what PostgreSQL stores');
    expect(reasonsOf(14)).toContain('updated_at: outside what PostgreSQL stores');
    expect(reasonsOf(15)).toMatch(/^price: /);
    expect(reasonsOf(16)).toMatch(/^mileage_km: /);
    expect(reasonsOf(17)).toBe('record: nested too deeply to serialise');
    expect(reasonsOf(18)).toMatch(/^images\.0: /);
    expect(rejects.filter((r) => r.car_id === null).map((r) => r.payload)).toEqual([null, 42, 'not a car\uFFFD', [], expect.objectContaining({ id: 'A-1' })]);

    const payloadOf = (id: number) => rejects.find((r) => r.car_id === id)?.payload as Record<string, unknown>;
    expect(payloadOf(11).location).toBe(`${long.slice(0, MAX_TEXT_LENGTH)}… (${long.length} characters)`);
    expect(payloadOf(19)).toMatchObject({ year: 1890, ['k\uFFFD']: 'v\uFFFD' });
    // Redacted before it is cut: neither the key (in any form) nor the Bearer token is kept, whole or in part.
    const echoed = JSON.stringify(payloadOf(20));
    for (const secret of [key, encodeURIComponent(key), JSON.stringify(key).slice(1, -1), 'sk/live', 'abc.def-123']) expect(echoed).not.toContain(secret);
    expect(payloadOf(20)).toMatchObject({ model: 'sent with key [redacted]', images: ['https://x.example/cars?api_key=[redacted]'] });
    expect(reasonsOf(20)).toMatch(/^year: /);
    let depth = 0;
    for (let value = payloadOf(17).images as unknown; Array.isArray(value); value = value[0]) depth++;
    expect(depth).toBe(MAX_PAYLOAD_DEPTH - 1);

    const again = await write();
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: Object.keys(stored).length });
    expect((await database.pool.query('SELECT count(*)::int AS n FROM car_rejects')).rows[0].n).toBe(rejects.length);
  });
});
