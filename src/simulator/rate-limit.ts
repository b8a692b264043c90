const WINDOW_MS = 1000;
/** What `X-RateLimit-Limit` says when no limit is set: the headers are on every response regardless. */
export const UNLIMITED_REPORTED_LIMIT = 1_000_000;

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until requests are counted afresh (X-RateLimit-Reset), at least 1. */
  resetSeconds: number;
  /** Seconds to wait before the next request can succeed (Retry-After); set when refused. */
  retryAfterSeconds?: number;
}

interface KeyState {
  windowStart: number;
  count: number;
  /** Epoch ms before which every request of this key is refused. */
  blockedUntil: number;
}

function secondsUntil(until: number, now: number): number {
  return Math.max(1, Math.ceil((until - now) / 1000));
}

/**
 * Fixed one-second windows per key. A request over the limit is refused until the window ends;
 * any further request while refused also blocks the whole next window, so bouncing off the limit
 * costs more than staying under it.
 */
export class FixedWindowRateLimiter {
  private readonly keys = new Map<string, KeyState>();

  constructor(private perSecond: number | null) {}

  get limit(): number | null {
    return this.perSecond;
  }

  setLimit(perSecond: number | null): void {
    if (perSecond !== null && !(Number.isInteger(perSecond) && perSecond > 0)) {
      throw new RangeError(`rate limit must be a positive integer or null, got ${perSecond}`);
    }
    this.perSecond = perSecond;
    this.keys.clear();
  }

  take(key: string, now: number): RateDecision {
    const windowStart = now - (now % WINDOW_MS);
    const windowEnd = windowStart + WINDOW_MS;
    let state = this.keys.get(key);
    if (state === undefined) {
      state = { windowStart, count: 0, blockedUntil: 0 };
      this.keys.set(key, state);
    } else if (state.windowStart !== windowStart) {
      state.windowStart = windowStart;
      state.count = 0;
    }
    const limit = this.perSecond ?? UNLIMITED_REPORTED_LIMIT;
    if (this.perSecond !== null && now < state.blockedUntil) {
      state.blockedUntil = Math.max(state.blockedUntil, windowEnd + WINDOW_MS);
      return this.refused(limit, state.blockedUntil, now);
    }
    state.count++;
    if (this.perSecond !== null && state.count > this.perSecond) {
      state.blockedUntil = windowEnd;
      return this.refused(limit, windowEnd, now);
    }
    return { allowed: true, limit, remaining: Math.max(0, limit - state.count), resetSeconds: secondsUntil(windowEnd, now) };
  }

  /** The headers a response carries without spending a request (e.g. during a rate-limit storm). */
  peek(key: string, now: number): RateDecision {
    const windowStart = now - (now % WINDOW_MS);
    const state = this.keys.get(key);
    const used = state !== undefined && state.windowStart === windowStart ? state.count : 0;
    const limit = this.perSecond ?? UNLIMITED_REPORTED_LIMIT;
    return { allowed: true, limit, remaining: Math.max(0, limit - used), resetSeconds: secondsUntil(windowStart + WINDOW_MS, now) };
  }

  private refused(limit: number, until: number, now: number): RateDecision {
    const seconds = secondsUntil(until, now);
    return { allowed: false, limit, remaining: 0, resetSeconds: seconds, retryAfterSeconds: seconds };
  }
}
