import type { WireCar } from '../../src/simulator/record';
import { startHarness, type Harness } from '../helpers/sync-harness';

/**
 * Each pass's count is checked against the listing's size when it was planned and at the end of the
 * run. Here 10% of the cars are gone while the pages are read and back before the run closes: every
 * page keeps the contract, but the pass saw far fewer cars than were listed before and after it.
 */
describe('a pass that sees far fewer cars than were listed before and after it', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 154, size: 3_000, invalidShare: 0 }, env: { CARSYNC_PAGE_SIZE: '200' } });
    await h.sync({ priorityMakes: [] });
  });
  afterAll(() => h?.close());

  it('ends the run unverified, naming the pass, and marks none of the missing cars removed', async () => {
    const missing = h.sim.dataset.keys().filter((_, i) => i % 10 === 3);
    const saved = missing.map((id) => h.sim.dataset.get(id) as WireCar);
    let phase: 'planning' | 'paging' | 'closing' = 'planning';
    h.sim.onRequest((query) => {
      if (phase === 'planning' && query.afterId !== null) {
        phase = 'paging';
        for (const id of missing) h.sim.dataset.delist(id);
      } else if (phase === 'paging' && query.afterId === null) {
        phase = 'closing';
        for (const car of saved) h.sim.dataset.relist(car);
      }
    });

    const summary = await h.sync({ priorityMakes: [] });
    expect(phase).toBe('closing');
    expect(summary).toMatchObject({ status: 'unverified', verified: false, anomalies: 0, removed: 0, carsSeen: 2_700 });
    expect(summary.unverifiedReasons).toEqual([
      'pass "all makes" saw 2700 cars, but 3000 were listed when it was planned and 3000 at the end (more than the 30 that listing churn explains)',
    ]);
    const removed = await h.pool.query('SELECT count(*)::int AS n FROM cars WHERE removed_at IS NOT NULL');
    expect(removed.rows[0].n).toBe(0);
  });
});
