import { ApplicationFailure } from '@temporalio/common';
import { createCarsApi, MAX_RETRY_AFTER_SECONDS, parseRetryAfter } from '../../src/activities/cars-api';
import { createSimulator, type Simulator } from '../../src/simulator/server';

const CAP_MS = MAX_RETRY_AFTER_SECONDS * 1000;

describe('parseRetryAfter', () => {
  const now = Date.parse('2030-01-01T00:00:00Z');

  it('takes delta-seconds and HTTP dates as they are, and one second when absent or unreadable', () => {
    expect(parseRetryAfter('2', now)).toEqual({ ms: 2000, cappedFromMs: null });
    expect(parseRetryAfter(new Date(now + 30_000).toUTCString(), now)).toEqual({ ms: 30_000, cappedFromMs: null });
    expect(parseRetryAfter(undefined, now)).toEqual({ ms: 1000, cappedFromMs: null });
    expect(parseRetryAfter('soon', now)).toEqual({ ms: 1000, cappedFromMs: null });
  });

  it(`caps a long wait at ${MAX_RETRY_AFTER_SECONDS} s and says what was asked`, () => {
    expect(parseRetryAfter('31536000', now)).toEqual({ ms: CAP_MS, cappedFromMs: 31_536_000_000 });
    expect(parseRetryAfter(new Date(now + 86_400_000).toUTCString(), now)).toEqual({ ms: CAP_MS, cappedFromMs: 86_400_000 });
  });

  it('reads a timestamp sent as seconds as the time to retry at', () => {
    expect(parseRetryAfter(String(now / 1000 + 3), now)).toEqual({ ms: 3000, cappedFromMs: null });
    expect(parseRetryAfter(String(now / 1000 - 5), now)).toEqual({ ms: 0, cappedFromMs: null });
  });
});

describe('a 429 from the upstream', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await createSimulator({ seed: 4, size: 50, apiKey: 'k' });
  });
  afterAll(() => sim.close());

  it.each([
    ['year-seconds', true],
    ['year-date', true],
    ['epoch-seconds', false],
    ['seconds', false],
  ] as const)('with Retry-After as %s waits at most the cap, and the message says when it is capped', async (style, capped) => {
    sim.setFaults({ rateLimitStormUntil: Date.now() + 60_000, retryAfterStyle: style });
    const api = createCarsApi({ url: sim.url, key: 'k', timeoutMs: 5_000 });
    try {
      const err = await api.fetchPage({ perPage: 1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApplicationFailure);
      const failure = err as ApplicationFailure;
      expect(failure.type).toBe('UpstreamRateLimitedError');
      expect(Number(failure.nextRetryDelay)).toBeLessThanOrEqual(capped ? CAP_MS : 2000);
      expect(failure.message.includes('(capped: Retry-After asked for')).toBe(capped);
    } finally {
      await api.close();
    }
  });
});
