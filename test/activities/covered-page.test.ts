import { types } from 'pg';
import { recordHash } from '../../src/activities/car-hash';
import { classifyRecords, writePage, type PageWrite } from '../../src/activities/page-writer';
import { Dataset } from '../../src/simulator/dataset';
import { pageWrite } from '../helpers/page-write';
import { databaseForTests } from '../helpers/servers';

types.setTypeParser(types.builtins.INT8, Number);

/** A page that proves its id interval complete is checked against the interval's listed cars, read in one scan. */
describe('a covered page', () => {
  const database = databaseForTests('covered_page', 2);
  // Car 10's model has a NUL, which the writer cleans: it is kept as its record, not as a plain car's row.
  const cars = (new Dataset({ seed: 4, size: 40, invalidShare: 0 }).validCars() as unknown as Record<string, unknown>[]).map(
    (car, i): Record<string, unknown> => ({ ...car, id: i + 1, ...(i === 9 ? { model: 'Son\u0000ata' } : {}) }),
  );
  const makes = [...new Set(cars.map((car) => car.make as string))];
  const write = async (runId: string, records: Record<string, unknown>[], coverage: PageWrite['coverage']) => {
    const page = classifyRecords(records);
    try {
      return await writePage(database.pool, pageWrite(page, runId, { coverage }));
    } finally {
      page.records.rows.release();
    }
  };
  const candidates = async (runId: string) =>
    (await database.pool.query<{ car_id: number }>('SELECT car_id FROM sync_removal_candidates WHERE run_id = $1 ORDER BY car_id', [runId])).rows.map(
      (r) => r.car_id,
    );
  const all = { afterId: 0, throughId: 40, makes: null };
  beforeEach(async () => {
    await database.pool.query('TRUNCATE cars, car_changes, sync_removal_candidates');
    expect(await write('first', cars, all)).toMatchObject({ inserted: 40, unchanged: 0 });
  });

  it('writes only what changed, and takes the listed cars it did not return for removal candidates', async () => {
    expect(await write('same', cars, all)).toMatchObject({ inserted: 0, updated: 0, unchanged: 40 });
    expect(await candidates('same')).toEqual([]);

    const changed = cars.map((car) => (car.id === 7 ? { ...car, price: (car.price as number) + 1 } : car));
    const without = changed.filter((car) => car.id !== 3 && car.id !== 40);
    expect(await write('one-changed', without, all)).toMatchObject({ updated: 1, unchanged: 37 });
    expect(await candidates('one-changed')).toEqual([3, 40]);
    // Only the interval the page proves: a car past it is no candidate.
    expect(await write('part', without.slice(0, 10), { afterId: 0, throughId: 11, makes: null })).toMatchObject({ unchanged: 10 });
    expect(await candidates('part')).toEqual([3]);
  });

  it('filtered, takes only the listed cars of its makes for candidates', async () => {
    const make = makes[0];
    const ofMake = cars.filter((car) => car.make === make);
    expect(ofMake.length).toBeGreaterThan(1);
    const shown = ofMake.slice(1);
    expect(await write('filtered', shown, { afterId: 0, throughId: 40, makes: [make] })).toMatchObject({ unchanged: shown.length });
    expect(await candidates('filtered')).toEqual([ofMake[0].id]);
  });

  it('records every listed car it did not return when its interval holds more than it sends the worker', async () => {
    // 6,000 more listed cars between ids 41 and 6,040, then a page of the first 40 claiming to cover them all.
    await database.pool
      .query(`INSERT INTO cars (id, make, model, year, price, currency, mileage_km, fuel, transmission, images, status, listed_at, source_updated_at, data_hash)
      SELECT g, 'Gone', 'M', 2020, 1, 'EUR', 1, 'petrol', 'manual', '[]', 'active', now(), now(), 'h' FROM generate_series(41, 6040) g`);
    expect(await write('beside-many', cars, { afterId: 0, throughId: 6040, makes: null })).toMatchObject({ updated: 0, unchanged: 40 });
    expect(await candidates('beside-many')).toEqual(Array.from({ length: 6000 }, (_, i) => 41 + i));
  });

  it('rewrites the cars of an interval whose stored hashes carsync did not write', async () => {
    await database.pool.query(`UPDATE cars SET data_hash = 'not,ours' WHERE id = 5`);
    expect(await write('foreign-hash', cars, all)).toMatchObject({ updated: 40, unchanged: 0 });
    const { rows } = await database.pool.query<{ id: number; data_hash: string }>('SELECT id, data_hash FROM cars ORDER BY id');
    expect(rows.map((r) => r.data_hash)).toEqual(cars.map((car) => recordHash(car)));
    expect(await write('after-repair', cars, all)).toMatchObject({ unchanged: 40 });
  });
});
