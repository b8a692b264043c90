import { Context } from '@temporalio/activity';
import type { Car } from '../car';
import { UpstreamNetworkError } from '../errors';
import type { IdRange, ListingFilter, PageResult, RunTuning } from '../sync-types';
import { checkRecord } from './car-schema';
import type { ActivityDeps } from './deps';
import { writePage, type Reject } from './page-writer';
import { withRetryDelay } from './retry-delay';

/** Well inside PAGE_ACTIVITY's heartbeat timeout. */
const HEARTBEAT_INTERVAL_MS = 2_000;

export interface SyncPageInput {
  runId: string;
  filter: ListingFilter;
  /** Cars on this page may have been seen by an earlier pass of the run (see Pass.revisits). */
  revisits: boolean;
  /** The cursor and the bound of this page's range: the page is `after_id=range.afterId&max_id=range.maxId`. */
  range: IdRange;
  tuning: RunTuning;
  trackRemovals: boolean;
}

/** Fetches one page, validates each record, and writes the page. Car data never leaves this activity. */
export function createSyncPage({ pool, api, limiter, metrics }: ActivityDeps) {
  return async function syncPage(input: SyncPageInput): Promise<PageResult> {
    const context = Context.current();
    // Heartbeats let the server notice a killed worker within the heartbeat timeout, not the page's timeout.
    const heartbeat = setInterval(() => context.heartbeat(), HEARTBEAT_INTERVAL_MS);
    try {
      return await syncOnePage(input, context.info.attempt);
    } catch (err) {
      throw withRetryDelay(err, context.info.attempt);
    } finally {
      clearInterval(heartbeat);
    }
  };

  async function syncOnePage({ runId, range, filter, tuning, trackRemovals, revisits }: SyncPageInput, attempt: number): Promise<PageResult> {
    await limiter.acquire(tuning.requestsPerSecond);
    const page = await api.fetchPage({ perPage: tuning.pageSize, afterId: range.afterId, maxId: range.maxId, ...filter });

    const nextAfterId = page.meta.next_after_id;
    if (nextAfterId !== null && nextAfterId <= range.afterId) {
      throw new UpstreamNetworkError(`upstream paged backwards: after_id=${range.afterId} answered next_after_id=${nextAfterId}`);
    }
    const done = page.data.length < tuning.pageSize || nextAfterId === null || (range.maxId !== null && nextAfterId >= range.maxId);

    const cars: Car[] = [];
    const rejects: Reject[] = [];
    const seenIds = new Set<number>();
    for (const record of page.data) {
      const check = checkRecord(record);
      if (check.ok && !seenIds.has(check.car.id)) {
        cars.push(check.car);
      } else if (check.ok) {
        rejects.push({ carId: check.car.id, payload: record, reasons: ['id: appears twice on one page'] });
      } else {
        rejects.push({ carId: check.carId, payload: record, reasons: check.reasons });
      }
      const id = check.ok ? check.car.id : check.carId;
      if (id !== null) seenIds.add(id);
    }

    const written = await writePage(pool, {
      runId,
      cars,
      rejects,
      batchSize: tuning.batchSize,
      seenIds: [...seenIds],
      coverage: trackRemovals ? { afterId: range.afterId, throughId: done ? range.maxId : nextAfterId, makes: filter.makes ?? null } : undefined,
      // A retried page may follow an attempt that committed; a revisiting pass follows passes that did.
      withdrawSeen: revisits || (trackRemovals && attempt > 1),
    });
    metrics.pageSynced();
    metrics.carsSynced('inserted', written.inserted);
    metrics.carsSynced('updated', written.updated);
    metrics.carsSynced('unchanged', written.unchanged);
    metrics.carsSynced('rejected', written.rejected);
    return {
      pages: 1,
      carsSeen: page.data.length,
      inserted: written.inserted,
      updated: written.updated,
      unchanged: written.unchanged,
      rejected: written.rejected,
      retries: attempt - 1,
      nextAfterId,
      done,
      finishedAtMs: Date.now(),
    };
  }
}
