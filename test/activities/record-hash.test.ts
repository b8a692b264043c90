import { mirroredJson, plainMirroredJson, recordHash } from '../../src/activities/car-hash';
import { checkRecord, isPlainCar } from '../../src/activities/car-schema';
import { Dataset } from '../../src/simulator/dataset';

/** The page writer skips validating records whose hash matches the stored row: that must be safe. */
describe('recordHash', () => {
  const dataset = new Dataset({ seed: 5, size: 200 });
  const car = dataset.validCars()[0] as unknown as Record<string, unknown>;

  it('hashes a record as received the same as the car it validates to, unknown fields aside', () => {
    const received = { ...car, views: 1234 };
    const check = checkRecord(received);
    expect(check.ok).toBe(true);
    expect(recordHash(received)).toBe(recordHash(check.ok ? (check.car as unknown as Record<string, unknown>) : {}));
  });

  it('tells an absent field from a null one, so a record missing a field cannot pass for the stored car', () => {
    const nullTrim = { ...car, trim: null };
    const absentTrim: Record<string, unknown> = { ...nullTrim };
    delete absentTrim.trim;
    expect(checkRecord(nullTrim).ok).toBe(true);
    expect(checkRecord(absentTrim).ok).toBe(false);
    expect(recordHash(absentTrim)).not.toBe(recordHash(nullTrim));
  });

  it('is null, not a throw, for mirrored fields nested too deeply to serialise; unknown fields are not hashed', () => {
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(recordHash({ ...car, images: deep })).toBeNull();
    expect(recordHash({ ...car, extra: deep })).toBe(recordHash(car));
  });

  it('changes when any mirrored field changes', () => {
    const changes = {
      price: Number(car.price) + 1,
      images: [...(car.images as string[]), 'https://x.example/1.jpg'],
      make: `${String(car.make)}x`,
      updated_at: '2030-01-01T00:00:00Z',
    };
    for (const [field, value] of Object.entries(changes)) {
      expect(recordHash({ ...car, [field]: value })).not.toBe(recordHash(car));
    }
  });

  it('reads a plain car by name exactly as by MIRRORED_FIELDS', () => {
    const records = new Dataset({ seed: 6, size: 5000 }).validCars() as unknown[];
    const plain = records.filter((record) => isPlainCar(record));
    expect(plain.length).toBeGreaterThan(4000);
    for (const record of plain) expect(plainMirroredJson(record)).toBe(mirroredJson(record as unknown as Record<string, unknown>));
  });
});
