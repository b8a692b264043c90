import type { Car } from '../../src/car';
import { normalized, startHarness, type Harness } from '../helpers/sync-harness';

/**
 * Cars are listed, changed and delisted while the sync runs. Offset paging would skip cars when
 * earlier ones disappear; carsync's keyset ranges must not.
 */
describe('a full sync while the listing drifts', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      simulator: { seed: 41, size: 10_000, invalidShare: 0, latencyMs: 10 },
      env: { CARSYNC_PAGE_SIZE: '100', CARSYNC_CONCURRENCY: '4' },
    });
  });
  afterAll(() => h?.close());

  it('keeps every car listed throughout with a value it had during the run, removes only delisted cars, and ends exact', async () => {
    const key = (car: Car) => JSON.stringify(normalized(car));
    const history = new Map<number, Set<string>>(h.sim.dataset.validCars().map((car) => [car.id, new Set([key(car)])]));
    const delisted = new Set<number>();
    const listedDuringRun = new Set<number>();

    const drift = () => {
      // Delist early ids (the ones that shift offset pages), change some, list new ones.
      const ids = h.sim.dataset.validCars().map((c) => c.id);
      for (const id of ids.slice(0, 300).filter((_, i) => i % 3 === 0)) {
        h.sim.dataset.delist(id);
        delisted.add(id);
      }
      for (const id of ids.filter((_, i) => i % 97 === 5)) {
        const changed = h.sim.dataset.change(id) as Car;
        history.get(id)?.add(key(changed));
      }
      for (let i = 0; i < 20; i++) listedDuringRun.add(h.sim.dataset.list().id);
    };
    let requests = 0;
    const stopDrifting = h.sim.onRequest(() => {
      requests++;
      if (requests === 25 || requests === 60) drift();
    });

    const first = await h.sync();
    expect(first).toMatchObject({ status: 'completed', verified: true });
    expect(requests).toBeGreaterThan(60);

    const stored = new Map((await h.listedCars()).map((car) => [car.id, key(car)]));
    const finalIds = new Set(h.sim.dataset.validCars().map((c) => c.id));
    for (const [id, values] of history) {
      if (!finalIds.has(id)) continue;
      expect(stored.has(id)).toBe(true);
      expect(values.has(stored.get(id)!)).toBe(true);
    }
    const removed = (await h.pool.query('SELECT id FROM cars WHERE removed_at IS NOT NULL')).rows.map((r) => Number(r.id));
    for (const id of removed) expect(delisted.has(id)).toBe(true);
    expect(first.removed).toBe(removed.length);

    stopDrifting();
    const second = await h.sync();
    expect(second).toMatchObject({ status: 'completed', verified: true });
    expect((await h.listedCars()).map(normalized)).toEqual(h.sim.dataset.validCars().map(normalized));
    const removedAfter = (await h.pool.query('SELECT id FROM cars WHERE removed_at IS NOT NULL ORDER BY id')).rows.map((r) => Number(r.id));
    // A car delisted before any pass reached it was never stored, so there is nothing to mark.
    const everStored = new Set((await h.pool.query('SELECT id FROM cars')).rows.map((r) => Number(r.id)));
    expect(removedAfter).toEqual([...delisted].filter((id) => everStored.has(id)).sort((a, b) => a - b));
  });
});
