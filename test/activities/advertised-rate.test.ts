import { createCarsApi } from '../../src/activities/cars-api';
import { ADVERTISED_RATE_HEADROOM, pacedRate } from '../../src/activities/rate-limiter';
import { createSimulator, type Simulator } from '../../src/simulator/server';

describe('pacedRate', () => {
  it("keeps the run's own budget while the upstream advertises nothing", () => {
    expect(pacedRate(0, null)).toBe(0);
    expect(pacedRate(7, null)).toBe(7);
  });

  it('paces a run without a budget just under the advertised rate', () => {
    expect(pacedRate(0, { limit: 20, windowSeconds: 1 })).toBeCloseTo(20 * ADVERTISED_RATE_HEADROOM);
    expect(pacedRate(0, { limit: 1200, windowSeconds: 60 })).toBeCloseTo(20 * ADVERTISED_RATE_HEADROOM);
  });

  it('takes the lower of the budget and what the upstream allows', () => {
    expect(pacedRate(5, { limit: 20, windowSeconds: 1 })).toBe(5);
    expect(pacedRate(50, { limit: 20, windowSeconds: 1 })).toBeCloseTo(20 * ADVERTISED_RATE_HEADROOM);
  });

  it('ignores an advertised rate no sync could reach', () => {
    expect(pacedRate(0, { limit: 1_000_000, windowSeconds: 1 })).toBe(0);
    expect(pacedRate(3, { limit: 1_000_000, windowSeconds: 1 })).toBe(3);
  });
});

describe("the API client's advertised limit", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await createSimulator({ seed: 3, size: 50, apiKey: 'k' });
  });
  afterAll(() => sim.close());

  it("is unknown before the first answer, then the limit per window from served answers' headers, not from a refusal's", async () => {
    sim.setRateLimit(2);
    const api = createCarsApi({ url: sim.url, key: 'k', timeoutMs: 5_000 });
    try {
      expect(api.advertisedLimit()).toBeNull();
      await api.fetchPage({ perPage: 1 });
      expect(api.advertisedLimit()).toEqual({ limit: 2, windowSeconds: 1 });
      sim.setRateLimit(3);
      // Ten quick requests span at most two windows, which allow six: at least one is refused.
      const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => api.fetchPage({ perPage: 1 })));
      expect(outcomes.some((o) => o.status === 'rejected')).toBe(true);
      expect(api.advertisedLimit()).toEqual({ limit: 3, windowSeconds: 1 });
    } finally {
      await api.close();
      sim.setRateLimit(null);
    }
  });
});

describe('rate-limit headers the client does not take', () => {
  it('ignores a reset that reads as an epoch timestamp, and limits that are not positive whole numbers', async () => {
    const { createServer } = await import('node:http');
    const answers = [
      { limit: '20', reset: String(Math.floor(Date.now() / 1000) + 1) },
      { limit: 'lots', reset: '1' },
      { limit: '0', reset: '1' },
    ];
    let next = 0;
    const server = createServer((_req, res) => {
      const { limit, reset } = answers[next++];
      res.writeHead(200, { 'content-type': 'application/json', 'x-ratelimit-limit': limit, 'x-ratelimit-reset': reset, 'x-ratelimit-remaining': '5' });
      res.end(JSON.stringify({ data: [], meta: { page: 1, per_page: 1, total: 0, last_page: 0, next_after_id: null } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const api = createCarsApi({ url: `http://127.0.0.1:${port}`, key: 'k', timeoutMs: 5_000 });
    try {
      for (let i = 0; i < answers.length; i++) {
        await api.fetchPage({ perPage: 1 });
        expect(api.advertisedLimit()).toBeNull();
      }
    } finally {
      await api.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
