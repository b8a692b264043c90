import type { FaultOptions } from '../../src/simulator/server';
import { progressQuery } from '../../src/workflows/messages';
import { normalized, startHarness, type Harness } from '../helpers/sync-harness';

const CLEAN: FaultOptions = { jumpRate: 0, outOfRangeRate: 0, oversizeRate: 0 };

/**
 * Pages that break the contract prove nothing. A run that meets one reads on by what the pages did
 * return, ends unverified naming the pages, and marks nothing removed; nothing stored is lost.
 */
describe.each<[string, FaultOptions]>([
  ['a next_after_id that jumps past ids it did not return', { jumpRate: 0.3 }],
  ['records outside (after_id, max_id]', { outOfRangeRate: 0.3 }],
  ['pages larger than asked', { oversizeRate: 0.3 }],
])('an upstream that serves %s', (_, faults) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 153, size: 3_000, invalidShare: 0 }, env: { CARSYNC_PAGE_SIZE: '100' } });
    await h.sync();
  });
  afterAll(() => h?.close());

  it('ends unverified, removes nothing, loses nothing, and says so everywhere', async () => {
    const gone = new Set(h.sim.dataset.delistRandom(20));
    h.sim.dataset.changeRandom(0.05);
    h.sim.setFaults(faults);
    const handle = await h.start();
    const summary = await handle.result();

    expect(summary).toMatchObject({ status: 'unverified', verified: false, removed: 0, removalCandidates: 0 });
    expect(summary.anomalies).toBeGreaterThan(0);
    expect(summary.unverifiedReasons[0]).toMatch(/^page after_id=\d+ max_id=\S+: /);
    expect(summary.unverifiedReasons.length).toBeLessThanOrEqual(10);
    // Every listed car is stored as it is now; the delisted ones stay, as nothing proved them gone.
    const stored = await h.listedCars();
    expect(stored.filter((car) => !gone.has(car.id)).map(normalized)).toEqual(h.sim.dataset.validCars().map(normalized));
    expect(stored.filter((car) => gone.has(car.id))).toHaveLength(gone.size);

    const { rows } = await h.pool.query('SELECT status, verified, unverified_reasons, high_water_mark FROM sync_runs WHERE run_id = $1', [summary.runId]);
    expect(rows[0]).toMatchObject({ status: 'unverified', verified: false, high_water_mark: null });
    expect(rows[0].unverified_reasons).toEqual(summary.unverifiedReasons);
    expect(await handle.query(progressQuery)).toMatchObject({ state: 'unverified', verified: false, unverifiedReasons: summary.unverifiedReasons });
    const leftovers = await h.pool.query('SELECT (SELECT count(*) FROM sync_run_anomalies) + (SELECT count(*) FROM sync_removal_candidates) AS n');
    expect(Number(leftovers.rows[0].n)).toBe(0);

    h.sim.setFaults(CLEAN);
    const clean = await h.sync();
    expect(clean).toMatchObject({ status: 'completed', verified: true, removed: gone.size });
    expect((await h.listedCars()).map(normalized)).toEqual(h.sim.dataset.validCars().map(normalized));
  });
});
