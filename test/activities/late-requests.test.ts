import { createRateLimiter, pacedRate } from '../../src/activities/rate-limiter';
import { databaseForTests } from '../helpers/servers';

/** The simulator's default limit in the bench: 20 a second, paced at 19.6, a spacing of 51.02 ms, a fraction. */
const ADVERTISED = { limit: 20, windowSeconds: 1 };
const SPACING_MS = 1000 / pacedRate(0, ADVERTISED);
const LANES = 8;
/** Far more lanes than wait: the bound on how far ahead slots lie does not hide a push. */
const REQUEST = { runId: 'run-1', requestsPerSecond: 0, lanes: 64 };
/** How long the test keeps the worker's event loop busy: far past the lateness the headroom tolerates (about 10 ms). */
const STALL_MS = 400;
/** A push no bigger than this counts the stall once: a loaded host adds to it, but each of the LANES pushing its own lateness adds most of a stall. */
const ONCE_MS = 3 * STALL_MS;

/** Keeps the event loop busy, as a worker's CPU work does: timers and replies wait until it ends. */
function stall(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('a request that leaves late, its worker busy', () => {
  const database = databaseForTests('late_requests', LANES + 2);

  /** The shared row's next free slot, in epoch ms: one spacing past the last slot reserved, plus any push. */
  async function nextSlot(name: string): Promise<number> {
    const { rows } = await database.pool.query('SELECT extract(epoch FROM next_slot) * 1000 AS ms FROM rate_limit_slots WHERE name = $1', [name]);
    return Number(rows[0].ms);
  }

  /** A limiter, its first slot taken and a connection open for each lane, so that the lanes' queries go out at once. */
  async function limiterAfterOneRequest(name: string) {
    await Promise.all(Array.from({ length: LANES + 1 }, () => database.pool.query('SELECT 1')));
    const limiter = createRateLimiter(database.pool, { name, advertisedLimit: () => ADVERTISED });
    await limiter.acquire(REQUEST);
    return limiter;
  }

  it('starts, and pushes the slots not yet reserved back by its lateness, at a spacing that is no whole number of ms', async () => {
    expect(Number.isInteger(SPACING_MS)).toBe(false);
    const limiter = await limiterAfterOneRequest('late');
    const before = await nextSlot('late');
    const late = limiter.acquire(REQUEST);
    stall(STALL_MS);
    await late;
    // Its own slot, then the push: most of the stall (all of it but the slot's wait and the tolerated lateness).
    expect((await nextSlot('late')) - before - SPACING_MS).toBeGreaterThan(STALL_MS - 2 * SPACING_MS);
  });

  it('counts one stall once, however many of its waiting requests it made late', async () => {
    const limiter = await limiterAfterOneRequest('stalled');
    const before = await nextSlot('stalled');
    const waits = Array.from({ length: LANES }, () => limiter.acquire(REQUEST));
    // Every lane has its slot before the stall, as lanes waiting for theirs do.
    while ((await nextSlot('stalled')) < before + LANES * SPACING_MS - 1);
    stall(STALL_MS);
    await Promise.all(waits);
    // Each lane pushing by its own lateness would move the row by several stalls.
    const pushed = (await nextSlot('stalled')) - before - LANES * SPACING_MS;
    expect(pushed).toBeGreaterThan(STALL_MS - 2 * SPACING_MS);
    expect(pushed).toBeLessThan(ONCE_MS);
  });

  it('sends the lanes a stall made late a spacing apart, not at once', async () => {
    const limiter = await limiterAfterOneRequest('spread');
    const before = await nextSlot('spread');
    const departures: number[] = [];
    const waits = Array.from({ length: LANES }, () => limiter.acquire(REQUEST).then(() => departures.push(performance.now())));
    while ((await nextSlot('spread')) < before + LANES * SPACING_MS - 1);
    stall(STALL_MS);
    await Promise.all(waits);
    // At once, the eight would leave within a few milliseconds of the stall's end: each waits as long past its slot as the first pushed the rest.
    expect(Math.max(...departures) - Math.min(...departures)).toBeGreaterThan((LANES - 3) * SPACING_MS);
  });
});
