import { DEFAULT_PRIORITY_MAKES } from '../../src/config';
import { startHarness, type Harness } from '../helpers/sync-harness';

/** The harness's worker keeps the default priority makes. */
const PRIORITY: readonly string[] = DEFAULT_PRIORITY_MAKES;

/**
 * The API cannot exclude makes, and no make filter selects a record with an empty make: the split
 * into priority makes and the rest must still fetch each car once, and must not take a car it cannot
 * select for a delisted one.
 */
describe('priority makes, with records no make filter selects', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 103, size: 4_000, invalidShare: 0.05 }, env: { CARSYNC_PAGE_SIZE: '200' } });
  });
  afterAll(() => h?.close());

  type Request = { makes: string[] | null; updatedSince: number | null; afterId: number | null };
  function recordRequests(): Request[] {
    const requests: Request[] = [];
    h.sim.onRequest((q) => void requests.push({ makes: q.makes ? [...q.makes] : null, updatedSince: q.updatedSince, afterId: q.afterId }));
    return requests;
  }
  const knownMakes = async () => new Set([...PRIORITY, ...(await h.pool.query('SELECT DISTINCT make FROM cars')).rows.map((r) => r.make as string)]);
  /**
   * What a run reads: every record of a make it can select (the priority makes and those of earlier
   * syncs), and again every record changed since the last run (the third pass).
   */
  const expectedSeen = (makes: Set<string>, summary: { notes: string[] }) => {
    const since = Date.parse(/changed since (\S+),/.exec(summary.notes.join('\n'))![1]);
    const records = h.sim.dataset.all();
    return records.filter((r) => makes.has(String(r.make))).length + records.filter((r) => Date.parse(String(r.updated_at)) >= since).length;
  };
  const carRow = async (id: number) => (await h.pool.query('SELECT make, removed_at FROM cars WHERE id = $1', [id])).rows[0];

  it('reads the priority makes, the other makes, and what changed since the last run: each car once', async () => {
    expect(h.sim.dataset.all().some((record) => record.make === '')).toBe(true);
    await h.sync();

    const priorityCar = h.sim.dataset.validCars().find((car) => PRIORITY.includes(car.make))!;
    const renamedCar = h.sim.dataset.validCars().find((car) => !PRIORITY.includes(car.make))!;
    h.sim.dataset.change(priorityCar.id, { make: '' });
    h.sim.dataset.change(renamedCar.id, { make: 'Genesis' });

    const requests = recordRequests();
    const makes = await knownMakes();
    const summary = await h.sync();
    expect(summary.status).toBe('completed');
    expect(summary.carsSeen).toBe(expectedSeen(makes, summary));
    expect(summary.carsSeen).toBeLessThan(h.sim.dataset.size + 50);
    expect(summary.notes.join('\n')).toContain('third pass');
    const pages = requests.filter((r) => r.afterId !== null);
    expect(pages.every((r) => r.makes !== null || r.updatedSince !== null)).toBe(true);
    expect(pages.findIndex((r) => r.makes === null)).toBeGreaterThan(pages.map((r) => r.makes?.join(',') === PRIORITY.join(',')).lastIndexOf(true));

    // The car that lost its make keeps its last good version; the renamed one is seen by the third pass.
    expect(await carRow(priorityCar.id)).toEqual({ make: priorityCar.make, removed_at: null });
    expect((await carRow(renamedCar.id)).make).toBe('Genesis');
    expect(summary.removed).toBe(0);
  });

  it('does not remove a car it cannot select and that did not change', async () => {
    const lostMake = h.sim.dataset.all().find((record) => record.make === '' && typeof record.id === 'number' && record.id > 0)!;
    const makes = await knownMakes();
    const summary = await h.sync();
    expect(summary.status).toBe('completed');
    expect(summary.carsSeen).toBe(expectedSeen(makes, summary));
    expect(summary.removed).toBe(0);
    expect(summary.removalCandidates).toBe(0);
    const row = await carRow(lostMake.id as number);
    if (row) expect(row.removed_at).toBeNull();
  });
});
