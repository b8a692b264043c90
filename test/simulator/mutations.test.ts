import { createSimulator } from '../../src/simulator/server';
import type { CarsQuery } from '../../src/simulator/dataset';
import type { Simulator } from '../../src/simulator/server';
import { getCars, walkAfterId, walkPages } from './helpers';

describe('listing changes seen through GET /v1/cars', () => {
  let sim: Simulator;

  beforeEach(async () => {
    sim = await createSimulator({ size: 2000, seed: 5 });
  });
  afterEach(() => sim.close());

  it('a new listing gets a greater id and appears at the end', async () => {
    const before = sim.dataset.maxId;
    const car = sim.dataset.list();
    expect(car.id).toBeGreaterThan(before);
    const { body } = await getCars(sim, { after_id: before });
    expect(body.data).toEqual([car]);
  });

  it('a delisted car disappears from every listing', async () => {
    const car = sim.dataset.validCars()[500];
    expect(sim.dataset.delist(car.id)).toBe(true);
    const seen = [
      await walkAfterId(sim),
      await walkPages(sim),
      await walkAfterId(sim, { make: car.make }),
      await walkAfterId(sim, { updated_since: car.updated_at }),
      await walkAfterId(sim, { after_id: car.id - 1, max_id: car.id }),
    ];
    for (const records of seen) expect(records.map((r) => r.id)).not.toContain(car.id);
    expect((await getCars(sim, { per_page: 1 })).body.meta.total).toBe(1999);
  });

  it('a change bumps updated_at and updated_since finds it', async () => {
    const since = new Date().toISOString();
    const { body: nothing } = await getCars(sim, { updated_since: since });
    expect(nothing.data).toEqual([]);
    const id = sim.dataset.validCars()[42].id;
    const changed = sim.dataset.change(id);
    expect(Date.parse(changed.updated_at)).toBeGreaterThanOrEqual(Date.parse(since));
    const { body } = await getCars(sim, { updated_since: since });
    expect(body.data).toEqual([changed]);
    expect(body.meta.total).toBe(1);
  });

  it('the onRequest hook sees each parsed query and can change the data mid-walk', async () => {
    const queries: CarsQuery[] = [];
    const all = sim.dataset.validCars();
    const ahead = all[1500].id;
    let listed = 0;
    const off = sim.onRequest((query) => {
      queries.push(query);
      if (queries.length === 2) {
        sim.dataset.delist(ahead);
        listed = sim.dataset.list().id;
      }
    });
    const walked = await walkAfterId(sim, {}, 400);
    off();
    const ids = walked.map((r) => r.id);
    expect(ids).not.toContain(ahead);
    expect(ids.at(-1)).toBe(listed);
    expect(queries[0]).toEqual({ page: 1, perPage: 400, afterId: null, maxId: null, updatedSince: null, makes: null });
    expect(queries[1].afterId).toEqual(expect.any(Number));
    await getCars(sim);
    expect(queries).toHaveLength(6);
  });
});
