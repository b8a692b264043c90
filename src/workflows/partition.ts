import type { IdRange } from '../sync-types';

/**
 * Cuts the listed id space into ranges, assuming ids are spread evenly between `firstId` and `lastId`.
 * Ranges shrink as the pass goes on (guided self-scheduling): each takes a `lanes`th of the cars
 * still to plan, within [minCars, maxCars]. Lanes start ranges in order, so the big ones run first and
 * the pass ends on small ones, with every lane busy nearly to the end. The last range is open-ended,
 * so cars listed after planning (always with higher ids) are synced too. Ranges cover every id above
 * 0 exactly once.
 */
export function partitionIds(
  firstId: number | null,
  lastId: number | null,
  total: number,
  { lanes, minCars, maxCars }: { lanes: number; minCars: number; maxCars: number },
): IdRange[] {
  if (firstId === null || lastId === null || total <= minCars) return [{ afterId: 0, maxId: null }];
  const span = lastId - firstId + 1;
  const ranges: IdRange[] = [];
  let afterId = 0;
  for (let planned = 0; ; ) {
    const remaining = total - planned;
    const size = Math.min(maxCars, Math.max(minCars, Math.ceil(remaining / lanes)));
    if (size >= remaining) break;
    planned += size;
    const maxId = firstId - 1 + Math.round((span * planned) / total);
    if (maxId <= afterId) continue;
    ranges.push({ afterId, maxId });
    afterId = maxId;
  }
  ranges.push({ afterId, maxId: null });
  return ranges;
}
