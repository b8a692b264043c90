import { normalized, startHarness, type Harness } from '../helpers/sync-harness';

describe('an incremental sync', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 91, size: 5_000 } });
  });
  afterAll(() => h?.close());

  const versions = async () => new Map((await h.pool.query('SELECT id, xmin::text AS v FROM cars')).rows.map((r) => [Number(r.id), r.v as string]));

  it('without a completed sync to continue from, runs as a full sync and says so', async () => {
    const summary = await h.sync({ mode: 'incremental' });
    expect(summary).toMatchObject({ status: 'completed', mode: 'full' });
    expect(summary.notes.join(' ')).toContain('no completed sync');
  });

  it('asks only for what changed since the last sync, writes only those changes, and removes nothing', async () => {
    const valid = h.sim.dataset.validCars();
    const changed = valid.filter((_, i) => i % 200 === 3).map((c) => c.id);
    for (const id of changed) h.sim.dataset.change(id);
    const added = [h.sim.dataset.list().id, h.sim.dataset.list().id];
    h.sim.dataset.delist(valid[10].id);
    const before = await versions();
    const queries: (number | null)[] = [];
    h.sim.onRequest((q) => void queries.push(q.updatedSince));

    const summary = await h.sync({ mode: 'incremental' });
    expect(summary).toMatchObject({ status: 'completed', mode: 'incremental', inserted: 2, updated: changed.length, removed: 0 });
    expect(summary.carsSeen).toBe(changed.length + added.length);
    expect(summary.notes.join(' ')).toContain('cannot see delistings');
    expect(queries.every((since) => since !== null)).toBe(true);

    const after = await versions();
    const rewritten = [...after]
      .filter(([id, v]) => before.get(id) !== v)
      .map(([id]) => id)
      .sort((a, b) => a - b);
    expect(rewritten).toEqual([...changed, ...added].sort((a, b) => a - b));
    const stored = new Map((await h.listedCars()).map((c) => [c.id, normalized(c)]));
    for (const car of h.sim.dataset.validCars()) expect(stored.get(car.id)).toEqual(normalized(car));
    expect(stored.has(valid[10].id)).toBe(true);
  });
});
