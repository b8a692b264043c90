import { FUELS } from '../../src/car';
import { Dataset } from '../../src/simulator/dataset';
import { parseRfc3339, recordProblems } from '../../src/simulator/record';
import { mulberry32 } from '../../src/simulator/rng';

/** Internal keys in order, read through keyset paging of size 1. */
function keysOf(ds: Dataset): number[] {
  const keys: number[] = [];
  let afterId: number | null = null;
  for (;;) {
    const page = ds.query({ page: 1, perPage: 1, afterId, maxId: null, updatedSince: null, makes: null });
    if (page.nextAfterId === null) return keys;
    keys.push(page.nextAfterId);
    afterId = page.nextAfterId;
  }
}

describe('Dataset', () => {
  it('is the same for the same seed and differs for another', () => {
    const a = new Dataset({ seed: 7, size: 2000 });
    const b = new Dataset({ seed: 7, size: 2000 });
    const c = new Dataset({ seed: 8, size: 2000 });
    expect(a.all()).toEqual(b.all());
    expect(a.toJsonArray()).toBe(b.toJsonArray());
    expect(c.all()).not.toEqual(a.all());
  });

  it('serves the same pages prebuilt as built as they are first served', () => {
    const built = new Dataset({ seed: 7, size: 2000, oddShare: 0.05 });
    const prebuilt = new Dataset({ seed: 7, size: 2000, oddShare: 0.05 });
    prebuilt.prebuild();
    const page = { page: 1, perPage: 1000, afterId: null, maxId: null, updatedSince: null, makes: null };
    expect(prebuilt.query(page)).toEqual(built.query(page));
    expect(prebuilt.toJsonArray()).toBe(built.toJsonArray());
  });

  it('has ids that start near 1000 and grow by 1 to 3', () => {
    const ds = new Dataset({ seed: 1, size: 2000 });
    const keys = keysOf(ds);
    expect(keys).toHaveLength(2000);
    expect(keys[0]).toBeGreaterThanOrEqual(1000);
    expect(keys[0]).toBeLessThan(1010);
    for (let i = 1; i < keys.length; i++) {
      expect(keys[i] - keys[i - 1]).toBeGreaterThanOrEqual(1);
      expect(keys[i] - keys[i - 1]).toBeLessThanOrEqual(3);
    }
    expect(ds.keys()).toEqual(keys);
    expect(ds.maxId).toBe(keys[keys.length - 1]);
    expect(ds.size).toBe(2000);
  });

  it('generates realistic, valid records apart from the deliberately invalid share', () => {
    const ds = new Dataset({ seed: 2, size: 2000, invalidShare: 0 });
    expect(ds.invalidRecords()).toEqual([]);
    const cars = ds.validCars();
    expect(cars).toHaveLength(2000);
    for (const car of cars) {
      expect(car.year).toBeGreaterThanOrEqual(2005);
      expect(car.year).toBeLessThanOrEqual(2025);
      expect(car.currency).toBe('KRW');
      expect(car.price % 10_000).toBe(0);
      expect(car.images.length).toBeLessThanOrEqual(8);
      expect(FUELS).toContain(car.fuel);
      expect(parseRfc3339(car.updated_at)).toBeGreaterThanOrEqual(parseRfc3339(car.listed_at) as number);
    }
    const makes = new Set(cars.map((c) => c.make));
    for (const make of ['Hyundai', 'Kia', 'Genesis', 'BMW', 'Mercedes-Benz']) expect(makes).toContain(make);
    expect(cars.some((c) => c.vin === null)).toBe(true);
    expect(cars.some((c) => c.images.length === 0)).toBe(true);
  });

  it('spoils about invalidShare of the records, in several ways, keeping them in key order', () => {
    const ds = new Dataset({ seed: 3, size: 2000, invalidShare: 0.1 });
    const invalid = ds.invalidRecords();
    expect(invalid.length).toBeGreaterThan(140);
    expect(invalid.length).toBeLessThan(260);
    expect(ds.validCars().length + invalid.length).toBe(2000);
    const problems = new Set(invalid.flatMap((r) => r.problems.map((p) => p.split(':')[0])));
    expect([...problems].sort()).toEqual(['fuel', 'id', 'make', 'price', 'updated_at', 'vin', 'year']);
    const idless = invalid.filter((r) => typeof r.record.id !== 'number');
    expect(idless.some((r) => !('id' in r.record))).toBe(true);
    expect(idless.some((r) => typeof r.record.id === 'string' && r.record.id.startsWith('A-'))).toBe(true);
    const keys = invalid.map((r) => r.key);
    expect(keys).toEqual([...keys].sort((x, y) => x - y));
  });

  it('defaults to about half a percent of invalid records', () => {
    const ds = new Dataset({ seed: 4, size: 20_000 });
    const share = ds.invalidRecords().length / ds.size;
    expect(share).toBeGreaterThan(0.003);
    expect(share).toBeLessThan(0.008);
  });

  describe('mutations', () => {
    let now = Date.UTC(2030, 0, 1);
    const clock = (): number => now;

    it('list gives an id greater than every id ever issued, even after the greatest is delisted', () => {
      const ds = new Dataset({ seed: 5, size: 100, clock });
      const before = ds.maxId;
      expect(ds.delist(before)).toBe(true);
      const car = ds.list({ make: 'Kia', model: 'K5' });
      expect(car.id).toBeGreaterThan(before);
      expect(car.make).toBe('Kia');
      expect(car.listed_at).toBe(new Date(now).toISOString());
      expect(car.updated_at).toBe(car.listed_at);
      expect(recordProblems(car)).toEqual([]);
      expect(ds.maxId).toBe(car.id);
      expect(ds.all().at(-1)).toEqual(car);
    });

    it('change bumps updated_at strictly, even when the clock stands still, and refreshes the served JSON', () => {
      const ds = new Dataset({ seed: 5, size: 100, clock });
      const id = ds.validCars()[10].id;
      const old = ds.get(id);
      ds.toJsonArray();
      const first = ds.change(id);
      const second = ds.change(id, { status: 'sold' });
      expect(first.price).not.toBe(old?.price);
      expect(Date.parse(first.updated_at)).toBe(now);
      expect(Date.parse(second.updated_at)).toBe(now + 1);
      expect(second.status).toBe('sold');
      expect(ds.toJsonArray()).toContain(`"updated_at":"${second.updated_at}"`);
      now += 10_000;
      expect(Date.parse(ds.change(id).updated_at)).toBe(now);
      expect(() => ds.change(1)).toThrow(/no listed car/);
    });

    it('delist removes and relist puts back under the same id', () => {
      const ds = new Dataset({ seed: 5, size: 100, clock });
      const car = ds.validCars()[20];
      expect(ds.delist(car.id)).toBe(true);
      expect(ds.delist(car.id)).toBe(false);
      expect(ds.get(car.id)).toBeUndefined();
      expect(ds.size).toBe(99);
      const back = ds.relist(car);
      expect(back.id).toBe(car.id);
      expect(Date.parse(back.updated_at)).toBeGreaterThan(Date.parse(car.updated_at));
      expect(ds.all().map((r) => r.id)).toContain(car.id);
      expect(() => ds.relist(car)).toThrow(/already listed/);
    });

    it('changeRandom and delistRandom touch about the share and exactly the count asked', () => {
      const ds = new Dataset({ seed: 6, size: 2000, clock });
      const changed = ds.changeRandom(0.1, mulberry32(1));
      expect(changed.length).toBeGreaterThan(150);
      expect(changed.length).toBeLessThan(250);
      for (const key of changed.slice(0, 20)) expect(Date.parse(String(ds.get(key)?.updated_at))).toBeGreaterThanOrEqual(now);
      const gone = ds.delistRandom(50);
      expect(new Set(gone).size).toBe(50);
      expect(ds.size).toBe(1950);
      for (const key of gone) expect(ds.get(key)).toBeUndefined();
    });
  });
});
