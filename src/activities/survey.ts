import { UpstreamProtocolError } from '../errors';
import type { ListingFilter, Pass } from '../sync-types';
import type { CarsApi } from './cars-api';

/** How many cars match a filter, and the lowest and highest of their ids. */
export async function surveyListing(
  api: CarsApi,
  acquire: () => Promise<void>,
  filter: ListingFilter,
): Promise<Omit<Pass, 'name' | 'trackRemovals' | 'revisits'>> {
  const first = await fetchFirst(api, acquire, filter);
  const total = first.meta.total;
  let lastId: number | null = null;
  if (total > 0) {
    await acquire();
    lastId = (await api.fetchPage({ ...surveyQuery(filter), page: total })).meta.next_after_id;
    // Cars were delisted between the two requests; a retry sees a consistent total.
    if (lastId === null) throw new UpstreamProtocolError(`the listing shrank below ${total} cars while planning the run`);
  }
  return { filter, total, firstId: first.meta.next_after_id, lastId };
}

/** How many cars match a filter now: one request. */
export async function countListing(api: CarsApi, acquire: () => Promise<void>, filter: ListingFilter): Promise<number> {
  return (await fetchFirst(api, acquire, filter)).meta.total;
}

async function fetchFirst(api: CarsApi, acquire: () => Promise<void>, filter: ListingFilter) {
  await acquire();
  return api.fetchPage(surveyQuery(filter));
}

function surveyQuery(filter: ListingFilter) {
  return { perPage: 1, makes: filter.makes, updatedSince: filter.updatedSince };
}
