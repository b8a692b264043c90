/**
 * Spaces request starts evenly at a given rate for this worker process. Even spacing (rather than
 * bursts up to a per-second budget) keeps a client just under a fixed-window server limit.
 */
export interface RateLimiter {
  acquire(): Promise<void>;
  setRate(requestsPerSecond: number): void;
}

export function createRateLimiter(requestsPerSecond = 0): RateLimiter {
  let interval = requestsPerSecond > 0 ? 1000 / requestsPerSecond : 0;
  let nextSlot = 0;
  return {
    setRate(rate) {
      interval = rate > 0 ? 1000 / rate : 0;
    },
    async acquire() {
      if (interval === 0) return;
      const now = performance.now();
      const slot = Math.max(now, nextSlot);
      nextSlot = slot + interval;
      if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
    },
  };
}
