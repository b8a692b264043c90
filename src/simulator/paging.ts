import type { CarsQuery, Dataset } from './dataset';
import type { Rng } from './rng';

/** Ways the simulator's pages stray from a plain listing, as servers of the API do at their edges. */
export interface PagingFaults {
  /** Serves at most this many records a page, whatever `per_page` asks, and says so in `meta.per_page`; null: no cap. */
  pageCap: number | null;
  /** Share of keyset pages served short: fewer records than asked though more exist (the contract allows it). */
  shortPageRate: number;
  /** Share of keyset pages whose `next_after_id` jumps past records the page did not return. */
  jumpRate: number;
  /** Share of keyset pages that carry one record from outside `(after_id, max_id]`. */
  outOfRangeRate: number;
  /** Share of keyset pages with more records than asked. */
  oversizeRate: number;
}

export const NO_PAGING_FAULTS: PagingFaults = { pageCap: null, shortPageRate: 0, jumpRate: 0, outOfRangeRate: 0, oversizeRate: 0 };

export const PAGING_FAULT_RATES = ['shortPageRate', 'jumpRate', 'outOfRangeRate', 'oversizeRate'] as const;

export interface ServedPage {
  /** The records as JSON texts. */
  items: string[];
  /** What `meta.per_page` says: the page size the server serves. */
  perPage: number;
  total: number;
  nextAfterId: number | null;
}

/** One page of the listing as a server with these faults serves it. */
export function servePage(dataset: Dataset, query: CarsQuery, faults: PagingFaults, rng: Rng): ServedPage {
  const perPage = faults.pageCap === null ? query.perPage : Math.min(query.perPage, faults.pageCap);
  const capped = { ...query, perPage };
  const roll = (rate: number) => rate > 0 && rng() < rate;
  // Paging by page number needs every page the same size: only keyset pages stray.
  const keyset = query.afterId !== null;
  let size = perPage;
  if (keyset && perPage > 1 && roll(faults.shortPageRate)) size = 1 + Math.floor(rng() * (perPage - 1));
  else if (keyset && roll(faults.oversizeRate)) size = perPage + 1 + Math.floor(rng() * perPage);
  const page = dataset.query({ ...capped, perPage: size });
  let { items } = page;
  let { nextAfterId } = page;
  if (keyset && nextAfterId !== null && roll(faults.jumpRate)) {
    const ahead = dataset.query({ ...capped, afterId: nextAfterId, perPage: 1 + Math.floor(rng() * perPage) });
    nextAfterId = ahead.nextAfterId ?? nextAfterId;
  }
  if (keyset && roll(faults.outOfRangeRate)) {
    const below = strayBelow(dataset, capped);
    const above = below === undefined ? strayAbove(dataset, capped) : undefined;
    if (below !== undefined) items = [below, ...items];
    else if (above !== undefined) items = [...items, above];
  }
  return { items, perPage, total: page.total, nextAfterId };
}

/** The last record at or below `after_id` that the query's filters select. */
function strayBelow(dataset: Dataset, query: CarsQuery): string | undefined {
  const below = { ...query, afterId: null, maxId: query.afterId, perPage: 1 };
  const { total } = dataset.query(below);
  return total > 0 ? dataset.query({ ...below, page: total }).items[0] : undefined;
}

/** The first record above `max_id` that the query's filters select. */
function strayAbove(dataset: Dataset, query: CarsQuery): string | undefined {
  return query.maxId === null ? undefined : dataset.query({ ...query, afterId: query.maxId, maxId: null, page: 1, perPage: 1 }).items[0];
}
