import { createSimulator } from '../../src/simulator/server';
import type { Simulator } from '../../src/simulator/server';
import { UNLIMITED_REPORTED_LIMIT } from '../../src/simulator/rate-limit';
import { AUTH, getJson } from './helpers';

/** A window start: the limiter counts in fixed seconds of the clock. */
const T0 = Date.UTC(2030, 0, 1);

describe('rate limiting', () => {
  let sim: Simulator;
  let now = T0;

  beforeEach(async () => {
    now = T0;
    sim = await createSimulator({ size: 50, rateLimit: 3, clock: () => now });
  });
  afterEach(() => sim.close());

  const get = (headers: Record<string, string> = AUTH) => getJson<unknown>(`${sim.url}/v1/cars?per_page=1`, headers);
  const rateHeaders = (h: Headers) => ({
    limit: h.get('x-ratelimit-limit'),
    remaining: h.get('x-ratelimit-remaining'),
    reset: h.get('x-ratelimit-reset'),
    retryAfter: h.get('retry-after'),
  });

  it('counts down X-RateLimit-Remaining and answers 429 with Retry-After past the limit', async () => {
    for (const remaining of ['2', '1', '0']) {
      const { status, headers } = await get();
      expect(status).toBe(200);
      expect(rateHeaders(headers)).toEqual({ limit: '3', remaining, reset: '1', retryAfter: null });
    }
    now += 400;
    const limited = await get();
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ error: 'rate_limited' });
    expect(rateHeaders(limited.headers)).toEqual({ limit: '3', remaining: '0', reset: '1', retryAfter: '1' });
    expect(sim.stats.rateLimited).toBe(1);
    now = T0 + 1000;
    expect((await get()).status).toBe(200);
  });

  it('blocks the next window too when a client keeps sending while limited', async () => {
    for (let i = 0; i < 4; i++) await get();
    now += 500;
    const again = await get();
    expect(again.status).toBe(429);
    expect(again.headers.get('retry-after')).toBe('2');
    now = T0 + 1200;
    const stillBlocked = await get();
    expect(stillBlocked.status).toBe(429);
    expect(stillBlocked.headers.get('retry-after')).toBe('2');
    now = T0 + 3000;
    expect((await get()).status).toBe(200);
  });

  it('a client that honours Retry-After is not penalised', async () => {
    for (let i = 0; i < 4; i++) await get();
    now = T0 + 1000;
    for (let i = 0; i < 3; i++) expect((await get()).status).toBe(200);
  });

  it('limits each key separately', async () => {
    for (let i = 0; i < 4; i++) await get();
    const other = await get({ authorization: 'Bearer someone-else' });
    expect(other.status).toBe(401);
    expect(other.headers.get('x-ratelimit-remaining')).toBe('2');
  });

  it('reports headers when unlimited, and the limit can change at runtime', async () => {
    sim.setRateLimit(null);
    for (let i = 0; i < 10; i++) expect((await get()).status).toBe(200);
    const { headers } = await get();
    expect(rateHeaders(headers)).toEqual({
      limit: String(UNLIMITED_REPORTED_LIMIT),
      remaining: String(UNLIMITED_REPORTED_LIMIT - 11),
      reset: '1',
      retryAfter: null,
    });
    sim.setRateLimit(1);
    expect((await get()).status).toBe(200);
    expect((await get()).status).toBe(429);
  });

  it('answers every request 429 with Retry-After 1 during a rate-limit storm', async () => {
    sim.setFaults({ rateLimitStormUntil: T0 + 2000 });
    for (let i = 0; i < 5; i++) {
      const { status, headers } = await get();
      expect(status).toBe(429);
      expect(headers.get('retry-after')).toBe('1');
    }
    now = T0 + 2000;
    expect((await get()).status).toBe(200);
  });

  it('records request times so a test can check the request rate', async () => {
    for (let i = 0; i < 3; i++) await get();
    now += 999;
    await get();
    now += 1;
    await get();
    expect(sim.stats.requestTimes).toHaveLength(5);
    expect(sim.stats.maxRequestsInAnyWindow()).toBe(4);
    expect(sim.stats.maxRequestsInAnyWindow(5000)).toBe(5);
    expect(sim.stats.byStatus).toEqual({ 200: 4, 429: 1 });
    sim.resetStats();
    expect(sim.stats.requests).toBe(0);
    expect(sim.stats.requestTimes).toEqual([]);
  });
});
