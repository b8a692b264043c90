import { DEFAULT_PRIORITY_MAKES } from '../../src/config';
import { startHarness, type Harness } from '../helpers/sync-harness';

/** The harness's worker keeps the default priority makes. */
const PRIORITY: readonly string[] = DEFAULT_PRIORITY_MAKES;

describe('priority makes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 101, size: 6_000, invalidShare: 0 }, env: { CARSYNC_PAGE_SIZE: '200' } });
  });
  afterAll(() => h?.close());

  it('are synced before every other make, without fetching any car twice', async () => {
    await h.sync();
    for (const car of h.sim.dataset.validCars().filter((_, i) => i % 4 === 0)) h.sim.dataset.change(car.id);
    const requests: { makes: string[] | null; afterId: number | null; maxId: number | null }[] = [];
    h.sim.onRequest((q) => void requests.push({ makes: q.makes ? [...q.makes] : null, afterId: q.afterId, maxId: q.maxId }));

    const summary = await h.sync();
    expect(summary.status).toBe('completed');
    expect(summary.carsSeen).toBe(h.sim.dataset.size);

    const pages = requests.filter((r) => r.afterId !== null);
    const lastPriority = pages.map((r) => r.makes?.join(',') === PRIORITY.join(',')).lastIndexOf(true);
    const firstOther = pages.findIndex((r) => r.makes !== null && r.makes.join(',') !== PRIORITY.join(','));
    expect(lastPriority).toBeGreaterThan(0);
    expect(firstOther).toBeGreaterThan(lastPriority);
    expect(pages.every((r) => r.makes !== null)).toBe(true);

    const { rows } = await h.pool.query(
      `SELECT max(synced_at) FILTER (WHERE make = ANY($1)) AS priority_last, min(synced_at) FILTER (WHERE make <> ALL($1)) AS others_first
       FROM cars WHERE synced_at > now() - interval '1 minute' AND first_synced_at < synced_at`,
      [PRIORITY],
    );
    expect(rows[0].priority_last.getTime()).toBeLessThan(rows[0].others_first.getTime());
  });
});
