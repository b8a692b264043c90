import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'pg';
import { RunPausedError } from '../errors';
import type { AdvertisedLimit } from './cars-api';

/**
 * Lets each upstream request start when it may: when its run has not recorded a pause, and when its
 * rate-limit slot has come. Requests are spaced evenly across every worker process: each reserves the
 * next free slot in one row of PostgreSQL, on the database's clock, and waits for it. Even spacing
 * (rather than bursts up to a per-second budget) keeps clients just under a fixed-window server limit,
 * and one shared row means N workers never multiply the rate.
 */
export interface RateLimiter {
  /**
   * Resolves when this request may start; throws RunPausedError when its run is paused, and the
   * abort reason when `signal` aborts the wait. Either way the slot is given back (or left to expire).
   */
  acquire(request: RequestSlot): Promise<void>;
  /** Whether requests of this budget wait for slots now (spaced by it, or by what the upstream advertises). */
  paces(requestsPerSecond: number): boolean;
}

export interface RequestSlot {
  /** The run the request belongs to: once it has recorded a pause, none of its requests starts. */
  runId: string;
  /** The run's own budget (0: none); capped just under what the upstream's headers advertise; with neither, no wait. */
  requestsPerSecond: number;
  /**
   * The most requests of the run that may wait for a slot at once (its concurrency). No reservation
   * lies more than one spacing per lane ahead, so slots abandoned by dead or cancelled waiters cannot
   * push the shared row into the future.
   */
  lanes: number;
  /** The activity's cancellation (pause, cancel, timeout): the wait ends at once. */
  signal?: AbortSignal;
}

/**
 * The share of the upstream's advertised rate carsync asks for. Evenly spaced at the full rate, a
 * request that leaves late (a busy worker's timer fires up to tens of milliseconds late) next to one
 * on time puts one request too many into a window, and the upstream answers it 429.
 */
export const ADVERTISED_RATE_HEADROOM = 0.98;
/** An advertised rate above this bounds nothing a sync reaches (the simulator advertises 1,000,000 when it has no limit). */
const MAX_PACED_RATE = 10_000;

/** The rate requests are spaced at: the run's own budget, capped just under the upstream's advertised rate; 0 for no spacing. */
export function pacedRate(requestsPerSecond: number, advertised: AdvertisedLimit | null): number {
  const cap = advertised === null ? 0 : (advertised.limit / advertised.windowSeconds) * ADVERTISED_RATE_HEADROOM;
  if (cap === 0 || cap > MAX_PACED_RATE) return requestsPerSecond;
  return requestsPerSecond === 0 ? cap : Math.min(requestsPerSecond, cap);
}

/**
 * How late a request may leave before it risks one request too many in a window: `limit` requests
 * spaced at `rate` span `limit / rate` seconds, a little more than the window. A request later than
 * half of that pushes every slot not yet reserved back by the rest of its lateness.
 */
function toleratedLatenessMs(rate: number, { limit, windowSeconds }: AdvertisedLimit): number {
  return ((limit * 1000) / rate - windowSeconds * 1000) / 2;
}

// Parameters are typed: left to infer, PostgreSQL reads a factor of an integer as an integer, which a
// spacing like 51.02 ms is not.
/**
 * Reserves the slot after the last one reserved (or now), at most `$3` spacings ahead (the row, the
 * next free slot, one more): `$3` lanes never need more, so the excess can only be slots whose waiters
 * are gone. Returns the wait and the row's new value, to give the slot back.
 */
const RESERVE_SQL = `
INSERT INTO rate_limit_slots AS r (name, next_slot) VALUES ($1, clock_timestamp() + $2::float8 * interval '1 millisecond')
ON CONFLICT (name) DO UPDATE SET next_slot = least(
  greatest(r.next_slot, clock_timestamp()) + $2::float8 * interval '1 millisecond',
  clock_timestamp() + ($3::int + 1) * $2::float8 * interval '1 millisecond')
RETURNING extract(epoch FROM (r.next_slot - clock_timestamp())) * 1000 - $2::float8 AS wait_ms, r.next_slot::text AS reserved_until`;

/** A slot not used goes back when no later one was reserved since; otherwise it expires when its time passes. */
const GIVE_BACK_SQL = `UPDATE rate_limit_slots SET next_slot = next_slot - $2::float8 * interval '1 millisecond' WHERE name = $1 AND next_slot = $3::timestamptz`;

/** Moves the slots not yet reserved back by `$2` ms, no further ahead than RESERVE_SQL's bound. */
const PUSH_SQL = `
UPDATE rate_limit_slots SET next_slot = least(next_slot + $2::float8 * interval '1 millisecond', clock_timestamp() + ($3::int + 1) * $4::float8 * interval '1 millisecond')
WHERE name = $1`;

/**
 * A request reads its run's pause this long before its slot, beside the rest of its wait: the query's
 * round trip on a busy database does not make it late, and it still never starts more than this (plus
 * one round trip) after its run recorded a pause.
 */
const PAUSE_CHECK_LEAD_MS = 50;

const PAUSED_SQL = 'SELECT paused FROM sync_run_pauses WHERE run_id = $1';

export interface RateLimiterOptions {
  /** The row all workers share. */
  name?: string;
  /** What the upstream advertises, once known (`CarsApi.advertisedLimit`). */
  advertisedLimit?: () => AdvertisedLimit | null;
}

export function createRateLimiter(pool: Pool, { name = 'upstream', advertisedLimit = () => null }: RateLimiterOptions = {}): RateLimiter {
  // Requests of this process waiting now: a caller that declares too few lanes still gets one slot each.
  let waiting = 0;
  // All this process has pushed the slots back, in ms. A late request pushes only by what was not pushed
  // since it reserved its slot: one stall of the event loop makes every lane due during it late, and
  // lateness that every request shares (a slow database) moves the slots back once, not per request.
  let pushedMs = 0;

  async function paused(runId: string): Promise<boolean> {
    const { rows } = await pool.query<{ paused: boolean }>(PAUSED_SQL, [runId]);
    return rows[0]?.paused ?? false;
  }

  return {
    async acquire({ runId, requestsPerSecond, lanes, signal }) {
      const advertised = advertisedLimit();
      const rate = pacedRate(requestsPerSecond, advertised);
      if (rate <= 0) {
        if (await paused(runId)) throw pausedError(runId);
        return;
      }
      const spacingMs = 1000 / rate;
      const maxLanes = Math.max(lanes, waiting + 1);
      // Lateness counts from before the query: a reply slowed by a busy worker is lateness too.
      const asked = performance.now();
      waiting++;
      let reservedUntil: string | undefined;
      try {
        const { rows } = await pool.query<{ wait_ms: string; reserved_until: string }>(RESERVE_SQL, [name, spacingMs, maxLanes]);
        reservedUntil = rows[0].reserved_until;
        const pushedBefore = pushedMs;
        const pushedSince = () => pushedMs - pushedBefore;
        const due = asked + Math.max(0, Number(rows[0].wait_ms));
        // A request of this process that left late since this slot was reserved pushed back only the slots
        // after the reserved ones: this one waits as much longer, or a stall would send every lane due during it at once.
        for (let at = due; ; at = due + pushedSince()) {
          await sleepUntil(at - PAUSE_CHECK_LEAD_MS, signal);
          const [isPaused] = await Promise.all([paused(runId), sleepUntil(at, signal)]);
          if (isPaused) throw pausedError(runId);
          if (due + pushedSince() <= performance.now()) break;
        }
        // A busy worker's timer fires late: past the slack the headroom leaves, the next slots make room.
        if (advertised === null) return;
        const pushMs = performance.now() - due - toleratedLatenessMs(rate, advertised) - pushedSince();
        if (pushMs <= 0) return;
        pushedMs += pushMs;
        await pool.query(PUSH_SQL, [name, pushMs, maxLanes, spacingMs]);
      } catch (err) {
        if (reservedUntil !== undefined) await pool.query(GIVE_BACK_SQL, [name, spacingMs, reservedUntil]).catch(() => undefined);
        throw err;
      } finally {
        waiting--;
      }
    },
    paces: (requestsPerSecond) => pacedRate(requestsPerSecond, advertisedLimit()) > 0,
  };
}

/** Resolves at `at` (performance.now() time), at once if it has passed; rejects when `signal` aborts the wait. */
async function sleepUntil(at: number, signal: AbortSignal | undefined): Promise<void> {
  const ms = at - performance.now();
  if (ms > 0) await sleep(ms, undefined, { signal });
}

function pausedError(runId: string): RunPausedError {
  return new RunPausedError(`run ${runId} is paused: no upstream request starts until it is resumed`);
}
