import { DEFAULT_PRIORITY_MAKES } from '../../src/config';
import { startHarness, type Harness } from '../helpers/sync-harness';

const PRIORITY: readonly string[] = DEFAULT_PRIORITY_MAKES;

/** On an empty table, the priority makes are written before any other make. */
describe('the first sync', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 631, size: 3_000, invalidShare: 0 }, env: { CARSYNC_PAGE_SIZE: '200' } });
  });
  afterAll(() => h?.close());

  it('writes the priority makes first, then everything else, rewriting no priority car', async () => {
    const pages: (string[] | null)[] = [];
    h.sim.onRequest((q) => void (q.afterId !== null && pages.push(q.makes ? [...q.makes] : null)));
    const summary = await h.sync();
    expect(summary.status).toBe('completed');
    expect(summary.notes.join('\n')).toContain('first sync (empty table): the priority makes first');

    const firstAll = pages.indexOf(null);
    expect(firstAll).toBeGreaterThan(0);
    expect(pages.slice(0, firstAll).every((makes) => makes?.join(',') === PRIORITY.join(','))).toBe(true);
    expect(pages.slice(firstAll).every((makes) => makes === null)).toBe(true);

    // The order of writes: every priority car was written before any other, and only once.
    const { rows } = await h.pool.query(
      `SELECT max(xmin::text::bigint) FILTER (WHERE make = ANY($1)) AS priority_last, min(xmin::text::bigint) FILTER (WHERE make <> ALL($1)) AS others_first,
              count(*) FILTER (WHERE make = ANY($1)) AS priority_cars
       FROM cars`,
      [PRIORITY],
    );
    expect(Number(rows[0].priority_last)).toBeLessThan(Number(rows[0].others_first));
    expect(summary.inserted).toBe(3_000);
    expect(summary.updated).toBe(0);
    expect(summary.carsSeen).toBe(3_000 + Number(rows[0].priority_cars));
    const { rows: changes } = await h.pool.query('SELECT count(*) AS n FROM car_changes WHERE run_id = $1', [summary.runId]);
    expect(Number(changes[0].n)).toBe(3_000);
  });
});
