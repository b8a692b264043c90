import type { IdRange } from '../sync-types';
import { usableId } from './car-schema';

/** What a page must be for its coverage to count (upstream-api.md): only what it proves moves the range on. */
export interface CheckedPage {
  /** The page's records inside the range, as served; records without a usable id stay for the rejects. */
  records: unknown[];
  /** Where the range goes on from: the last id the page proves it returned. */
  afterId: number;
  /** The upstream said the range has nothing more: an empty page, or the range's last id reached. */
  done: boolean;
  /** The page proves (range.afterId, throughId] complete (null: no upper bound); absent when it broke the contract. */
  coverage: { throughId: number | null } | null;
  /** The rules the page broke, in one sentence naming the page; null when it kept them all. */
  violation: string | null;
}

export interface ServedPage {
  data: unknown[];
  meta: { per_page?: number; next_after_id: number | null };
}

/**
 * Checks one page of `after_id=range.afterId&max_id=range.maxId&per_page=asked` against the contract:
 * ids ascending and inside the range, `next_after_id` the last id on the page (null only on an empty
 * page), no more records than asked or than `meta.per_page` says are served. A page shorter than asked
 * is valid and ends nothing. A page that breaks a rule still moves the range on by the last id it
 * returned inside it, so the run reads on, but proves nothing.
 */
export function checkPage(range: IdRange, asked: number, { data, meta }: ServedPage): CheckedPage {
  const broken: string[] = [];
  const next = meta.next_after_id;
  const inside = (id: number) => id > range.afterId && (range.maxId === null || id <= range.maxId);

  if (data.length === 0) {
    if (next !== null) broken.push(`an empty page has next_after_id ${next}, not null`);
    return { records: [], afterId: range.afterId, done: true, coverage: broken.length ? null : { throughId: range.maxId }, violation: describe(range, broken) };
  }

  const served = Math.min(asked, meta.per_page ?? asked);
  if (data.length > served) broken.push(`${data.length} records, more than the ${served} asked`);
  const records: unknown[] = [];
  let lastId: number | null = null;
  let lastInside: number | null = null;
  let outside = 0;
  let unordered = false;
  for (const record of data) {
    const id = usableId(record);
    if (id === null) {
      records.push(record);
      continue;
    }
    if (lastId !== null && id <= lastId) unordered = true;
    lastId = id;
    if (!inside(id)) {
      outside++;
      continue;
    }
    records.push(record);
    lastInside = id;
  }
  if (unordered) broken.push('ids not strictly ascending');
  if (outside > 0) broken.push(`${outside} record(s) with ids outside (after_id, max_id], not written`);

  // A last record without a usable id leaves next_after_id as the only word on where the page ended.
  const endsWithId = usableId(data[data.length - 1]) !== null;
  if (next === null) broken.push(`next_after_id is null on a page of ${data.length} records`);
  else if (endsWithId && next !== lastId) broken.push(`next_after_id ${next} is not the last id on the page (${lastId})`);
  else if (!endsWithId && !(next > (lastId ?? range.afterId) && inside(next)))
    broken.push(`next_after_id ${next} is not past the page's ids and inside (after_id, max_id]`);

  if (broken.length === 0) {
    const afterId = endsWithId ? lastId! : next!;
    return { records, afterId, done: range.maxId !== null && afterId >= range.maxId, coverage: { throughId: afterId }, violation: null };
  }
  if (lastInside === null) broken.push('no id inside the range to go on from, so the range ends here');
  const afterId = lastInside ?? range.afterId;
  return {
    records,
    afterId,
    done: lastInside === null || (range.maxId !== null && afterId >= range.maxId),
    coverage: null,
    violation: describe(range, broken),
  };
}

function describe(range: IdRange, broken: string[]): string | null {
  return broken.length ? `page after_id=${range.afterId} max_id=${range.maxId ?? 'none'}: ${broken.join('; ')}` : null;
}
