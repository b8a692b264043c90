import { WorkflowUpdateFailedError } from '@temporalio/client';
import { setTuningUpdate } from '../../src/workflows/messages';
import { normalized, startHarness, type Harness } from '../helpers/sync-harness';
import { waitFor } from '../helpers/wait';

describe('the setTuning update', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 81, size: 6_000, invalidShare: 0 }, env: { CARSYNC_PAGE_SIZE: '50', CARSYNC_CONCURRENCY: '4' } });
  });
  afterAll(() => h?.close());

  /** Waits for `n` more listing requests. */
  async function requests(n: number): Promise<void> {
    const target = h.sim.stats.requests + n;
    await waitFor(`${target} requests`, () => h.sim.stats.requests >= target);
  }

  /** Listing requests per second, from the spacing of the next `n + 1` the simulator receives. */
  async function observedRate(n: number): Promise<number> {
    const from = h.sim.stats.requestTimes.length;
    await requests(n + 1);
    const times = h.sim.stats.requestTimes.slice(from, from + n + 1);
    return n / ((times[n] - times[0]) / 1000);
  }

  it('changes the observed request rate of a running sync, refuses bad values with a reason, and the run goes on', async () => {
    // Rates a loaded 2-core machine keeps up with: a busy worker's timers fire late, which slows 40 requests per second, not 10.
    const handle = await h.start({ requestsPerSecond: 2 });
    await requests(4);
    const slow = await observedRate(6);
    expect(slow).toBeGreaterThan(1.2);
    expect(slow).toBeLessThanOrEqual(2.2);

    await expect(handle.executeUpdate(setTuningUpdate, { args: [{ requestsPerSecond: -5 }] })).rejects.toThrow(WorkflowUpdateFailedError);
    const refused = await handle.executeUpdate(setTuningUpdate, { args: [{ concurrency: 0 }] }).catch((e: WorkflowUpdateFailedError) => e);
    expect((refused as WorkflowUpdateFailedError).cause?.message).toContain('concurrency must be a whole number from 1');
    // Taken literally: JSON that is not a number is no number.
    for (const [change, message] of [
      [{ requestsPerSecond: true }, 'requestsPerSecond must be 0 (no budget of its own) or a number from 1 to 10000, not true'],
      [{ requestsPerSecond: null }, 'requestsPerSecond must be 0 (no budget of its own) or a number from 1 to 10000, not null'],
      [{ concurrency: '6' }, 'concurrency must be a whole number from 1 to 256, not "6"'],
    ] as const) {
      const literal = await handle.executeUpdate(setTuningUpdate, { args: [change as never] }).catch((e: WorkflowUpdateFailedError) => e);
      expect((literal as WorkflowUpdateFailedError).cause?.message).toBe(message);
    }

    const tuning = await handle.executeUpdate(setTuningUpdate, { args: [{ requestsPerSecond: 10, concurrency: 6 }] });
    expect(tuning).toMatchObject({ requestsPerSecond: 10, concurrency: 6 });
    // Past the slots the old lanes had reserved at the old spacing.
    await requests(6);
    const fast = await observedRate(20);
    expect(fast).toBeGreaterThan(slow * 2.5);
    expect(fast).toBeLessThanOrEqual(11);

    expect((await handle.result()).status).toBe('completed');
    expect((await h.listedCars()).map(normalized)).toEqual(h.sim.dataset.validCars().map(normalized));
  });
});
