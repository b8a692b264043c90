import { Context } from '@temporalio/activity';
import { isNonRetryable } from '../errors';
import { addCounts, ZERO_COUNTS, type IdRange, type ListingFilter, type PageResult } from '../sync-types';
import type { Tuning } from '../tuning';
import type { ActivityDeps } from './deps';
import { checkPage, type CheckedPage } from './page-contract';
import { classifyRecords, committedCursor, writePage, type Cursor, type PageRecords } from './page-writer';
import { withRetryDelay } from '../backoff';

/** The worker sends heartbeats at most once a second (maxHeartbeatThrottleInterval); each may bring a cancellation. */
const HEARTBEAT_INTERVAL_MS = 1_000;
/**
 * Each call takes its budget give or take this share, at random: ranges started together (a run's first
 * wave) would otherwise end their calls together for the whole run, and every lane of a paced run
 * would stand idle at once while the range workflows start their next calls.
 */
const BUDGET_SPREAD = 0.25;

export interface SyncPagesInput {
  runId: string;
  /** Take pages for about this long (see BUDGET_SPREAD), then return (see policies.ts's PAGES_BUDGET_MS). */
  budgetMs: number;
  filter: ListingFilter;
  /** Cars on these pages may have been seen by an earlier pass of the run (see Pass.revisits). */
  revisits: boolean;
  /** The range left to sync: pages are `after_id=range.afterId&max_id=range.maxId`, onwards. */
  range: IdRange;
  tuning: Tuning;
  trackRemovals: boolean;
}

/**
 * Syncs pages of a range one after another: fetches each, validates each record, writes the page
 * together with the activity's cursor. Returns after `budgetMs`, at the range's end, or when
 * cancelled (the range pauses or retunes that way) with what it did; car data never leaves the
 * activity. When a page keeps failing after earlier pages of this call succeeded, it returns those
 * and the range calls again, so the workflow's retries start from the failing page.
 */
export function createSyncPages({ pool, api, limiter, metrics }: ActivityDeps) {
  return async function syncPages(input: SyncPagesInput): Promise<PageResult> {
    const context = Context.current();
    const { attempt, workflowExecution } = context.info;
    // A call that failed for good is followed by one from the same cursor: it takes over the cursor
    // row, so pages already committed are neither fetched again nor left out of the counts.
    const activity = `${workflowExecution?.workflowId ?? input.runId}@${input.range.afterId}`;
    // Heartbeats let the server notice a killed worker within the heartbeat timeout, and bring cancellation.
    const heartbeat = setInterval(() => context.heartbeat(), HEARTBEAT_INTERVAL_MS);
    const deadline = Date.now() + input.budgetMs * (1 + BUDGET_SPREAD * (2 * Math.random() - 1));
    const retries = attempt - 1;
    // The page after the cursor, asked for while the cursor's page is written (see Prefetch).
    let ahead: Prefetch | undefined;
    try {
      let cursor: Cursor = (await committedCursor(pool, input.runId, activity)) ?? { afterId: input.range.afterId, done: false, counts: ZERO_COUNTS };
      const result = (nextRetries: number): PageResult => ({
        ...cursor.counts,
        retries: nextRetries,
        nextAfterId: cursor.afterId,
        done: cursor.done,
        finishedAtMs: Date.now(),
      });
      while (!cursor.done) {
        try {
          const page = await (ahead?.page ?? fetchPage(input, cursor.afterId, context.cancellationSignal));
          ahead = undefined;
          // A paced lane holds its place in the rate limiter's queue while it writes: its slot is not lost.
          const more = !page.done && !context.cancellationSignal.aborted && Date.now() < deadline;
          if (more && limiter.paces(input.tuning.requestsPerSecond)) ahead = prefetch(input, page.afterId, context.cancellationSignal);
          try {
            cursor = await writeFetched(input, activity, cursor, page);
          } finally {
            page.records.rows.release();
          }
        } catch (err) {
          await ahead?.discard();
          ahead = undefined;
          // Cancelled while waiting for its slot: the range stops as it does after a page.
          if (context.cancellationSignal.aborted) break;
          if (cursor.counts.pages === 0 || isNonRetryable(err)) throw err;
          // Hand over what is done; the range's next call retries this page.
          return result(retries + 1);
        }
        // A page already asked for is written, past the budget too: its request is not wasted.
        if (context.cancellationSignal.aborted || (Date.now() >= deadline && ahead === undefined)) break;
      }
      return result(retries);
    } catch (err) {
      throw withRetryDelay(err, attempt);
    } finally {
      // Cancelled with a page asked for: it is not written, and no request of this call outlives it.
      await ahead?.discard();
      clearInterval(heartbeat);
    }
  };

  /**
   * Waits for a rate-limit slot, then fetches and checks the page after `afterId`, and hashes its
   * records as received (the writer validates only those new or changed since stored).
   */
  async function fetchPage({ runId, range: { maxId }, filter, tuning }: SyncPagesInput, afterId: number, signal: AbortSignal): Promise<FetchedPage> {
    await limiter.acquire({ runId, requestsPerSecond: tuning.requestsPerSecond, lanes: tuning.concurrency, signal });
    const range = { afterId, maxId };
    const { records, ...checked } = checkPage(range, tuning.pageSize, await api.fetchPage({ perPage: tuning.pageSize, afterId, maxId, ...filter }));
    return { from: afterId, ...checked, ...classifyRecords(records) };
  }

  /** Starts fetching the page after `afterId`, to be awaited, or discarded: its wait for a slot ends then, and a request already sent is awaited. */
  function prefetch(input: SyncPagesInput, afterId: number, cancellation: AbortSignal): Prefetch {
    const stop = new AbortController();
    const page = fetchPage(input, afterId, AbortSignal.any([cancellation, stop.signal]));
    // Awaited later, or discarded: it never goes unhandled meanwhile.
    page.catch(() => undefined);
    return {
      page,
      discard: async () => {
        stop.abort();
        (await page.catch(() => undefined))?.records.rows.release();
      },
    };
  }

  /** Writes a fetched page, and returns the cursor it committed with it. */
  async function writeFetched(
    { runId, filter, tuning, trackRemovals, revisits }: SyncPagesInput,
    activity: string,
    from: Cursor,
    page: FetchedPage,
  ): Promise<Cursor> {
    const { afterId, done, records, rejects, seenIds } = page;
    const counts = await writePage(pool, {
      runId,
      records,
      rejects,
      batchSize: tuning.batchSize,
      seenIds,
      // A page that broke the contract proves nothing: no car is taken for delisted on its word.
      coverage: trackRemovals && page.coverage ? { afterId: page.from, throughId: page.coverage.throughId, makes: filter.makes ?? null } : undefined,
      anomaly: page.violation,
      // Pages are never written twice (the cursor commits with them), but a revisiting pass follows passes that wrote these cars.
      withdrawSeen: revisits,
      cursor: { activity, afterId, done, carried: from.counts },
      redact: api.redact,
    });
    metrics.pageSynced();
    metrics.carsSynced('inserted', counts.inserted);
    metrics.carsSynced('updated', counts.updated);
    metrics.carsSynced('unchanged', counts.unchanged);
    metrics.carsSynced('rejected', counts.rejected);
    return { afterId, done, counts: addCounts(from.counts, counts) };
  }
}

/** A checked page with its records hashed, and the cursor it was asked after. */
type FetchedPage = Omit<CheckedPage, 'records'> & PageRecords & { from: number };

/** A page asked for ahead of its turn. */
interface Prefetch {
  page: Promise<FetchedPage>;
  discard(): Promise<void>;
}
