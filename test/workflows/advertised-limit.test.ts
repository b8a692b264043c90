import { normalized, startHarness, type Harness } from '../helpers/sync-harness';

const LIMIT = 20;

describe('a run without a request budget of its own, against an upstream with a rate limit', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      simulator: { seed: 41, size: 3_000, invalidShare: 0, rateLimit: LIMIT },
      env: { CARSYNC_PAGE_SIZE: '100', CARSYNC_PRIORITY_MAKES: 'none' },
    });
  });
  afterAll(() => h?.close());

  it('paces its requests just under the limit the response headers advertise, and says so', async () => {
    h.sim.resetStats();
    // The ranges' pages (planning's surveys ask by page number).
    const asked: { afterId: number; maxId: number | null }[] = [];
    const stop = h.sim.onRequest(({ afterId, maxId }) => void (afterId !== null && asked.push({ afterId, maxId })));
    const summary = await h.sync().finally(stop);
    expect(summary.status).toBe('completed');
    expect(h.sim.stats.requests).toBeGreaterThan(LIMIT);
    // Unpaced, eight lanes at no latency would be refused within the first second.
    expect(h.sim.stats.byStatus[429] ?? 0).toBe(0);
    expect(summary.notes.join('\n')).toContain(
      `requestsPerSecond was not set; the upstream advertises ${LIMIT} requests per second, so requests were paced at 19.6/s`,
    );
    expect((await h.listedCars()).map(normalized)).toEqual(h.sim.dataset.validCars().map(normalized));
    // A paced lane asks for its next page while it writes one: never past its range's end, never twice.
    expect(asked.filter(({ afterId, maxId }) => maxId !== null && afterId >= maxId)).toEqual([]);
    expect(new Set(asked.map(({ afterId, maxId }) => `${afterId}..${maxId}`)).size).toBe(asked.length);
    expect(asked.length).toBe(summary.pages);
  });
});
