import { hashOfMirrored, plainMirroredJson } from '../../src/activities/car-hash';
import { PageRows, RowArray } from '../../src/activities/page-rows';
import { MIRRORED_FIELDS, type Car } from '../../src/car';
import { Dataset } from '../../src/simulator/dataset';

/** A page's rows live in pooled buffers: each must read back as the row the upsert expects, hashed as before. */
describe('PageRows', () => {
  const cars = new Dataset({ seed: 7, size: 3000 }).validCars();
  // Text of 1 to 4 UTF-8 bytes a character, and a page well past one buffer's first size.
  const odd: Car = { ...cars[0], id: 1, model: 'Škoda Ölmühle 汽车 🚗', location: '"quoted" \\ back\nline', images: ['https://x.example/ü.jpg'] };
  const big: Car = { ...cars[1], id: 2, images: Array.from({ length: 2000 }, (_, i) => `https://x.example/${'a'.repeat(500)}/${i}.jpg`) };
  const page = [odd, big, ...cars.slice(2)];

  it('keeps each row as [id, mirrored fields, hash], with the hash the mirrored JSON had', () => {
    const rows = new PageRows();
    const hashes = page.map((car) => rows.addMirrored(car.id, plainMirroredJson(car)));
    rows.addNone();
    page.forEach((car, i) => {
      expect(hashes[i]).toBe(hashOfMirrored(plainMirroredJson(car)));
      expect(JSON.parse(rows.row(i).toString('utf8'))).toEqual([car.id, ...MIRRORED_FIELDS.map((field) => car[field]), hashes[i]]);
    });
    expect(rows.row(page.length)).toHaveLength(0);

    hashes.forEach((hash, i) => {
      expect(rows.hash(i)).toBe(hash);
      expect(rows.hashIs(i, hash)).toBe(true);
      expect(rows.hashIs(i, hashes[(i + 1) % hashes.length])).toBe(false);
    });

    const array = new RowArray();
    array.add(rows.row(0));
    array.add('[3,"x"]');
    expect(JSON.parse(array.json().toString('utf8'))).toEqual([JSON.parse(rows.row(0).toString('utf8')), [3, 'x']]);
    array.clear();
    expect(array.json().toString()).toBe('[]');
    array.release();

    rows.release();
    expect(() => rows.row(0)).toThrow('page rows read after their buffer went back to the pool');
  });

  it('does not let a page that reuses a released buffer change another page', () => {
    const first = new PageRows();
    first.addMirrored(odd.id, plainMirroredJson(odd));
    const kept = first.row(0).toString('utf8');
    const second = new PageRows();
    second.addMirrored(big.id, plainMirroredJson(big));
    first.release();
    const third = new PageRows();
    third.addMirrored(cars[5].id, plainMirroredJson(cars[5]));
    expect(JSON.parse(second.row(0).toString('utf8'))[0]).toBe(big.id);
    expect(JSON.parse(kept)[0]).toBe(odd.id);
    second.release();
    third.release();
  });
});
