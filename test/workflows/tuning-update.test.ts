import { WorkflowUpdateFailedError } from '@temporalio/client';
import { setTuningUpdate } from '../../src/workflows/messages';
import { normalized, startHarness, type Harness } from '../helpers/sync-harness';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the setTuning update', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 81, size: 8_000, invalidShare: 0 }, env: { CARSYNC_PAGE_SIZE: '50', CARSYNC_CONCURRENCY: '4' } });
  });
  afterAll(() => h?.close());

  /** Listing requests the simulator received per second over the last `ms`. */
  async function observedRate(ms: number): Promise<number> {
    const from = Date.now();
    await sleep(ms);
    return h.sim.stats.requestTimes.filter((t) => t >= from).length / (ms / 1000);
  }

  it('changes the observed request rate of a running sync, refuses bad values with a reason, and the run goes on', async () => {
    const handle = await h.start({ requestsPerSecond: 10 });
    while (h.sim.stats.requests < 8) await sleep(50);
    const slow = await observedRate(2_000);
    expect(slow).toBeGreaterThan(6);
    expect(slow).toBeLessThanOrEqual(11);

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

    const tuning = await handle.executeUpdate(setTuningUpdate, { args: [{ requestsPerSecond: 40, concurrency: 6 }] });
    expect(tuning).toMatchObject({ requestsPerSecond: 40, concurrency: 6 });
    await sleep(300);
    const fast = await observedRate(2_000);
    expect(fast).toBeGreaterThan(slow * 2.5);
    expect(fast).toBeLessThanOrEqual(41);

    expect((await handle.result()).status).toBe('completed');
    expect((await h.listedCars()).map(normalized)).toEqual(h.sim.dataset.validCars().map(normalized));
  });
});
