import type { IdRange } from '../sync-types';

/**
 * Cuts the listed id space into ranges of about `carsPerRange` cars each, assuming ids are spread
 * evenly between `firstId` and `lastId`. The last range is open-ended, so cars listed after planning
 * (always with higher ids) are synced too. Ranges cover every id above 0 exactly once.
 */
export function partitionIds(firstId: number | null, lastId: number | null, total: number, carsPerRange: number): IdRange[] {
  if (firstId === null || lastId === null || total <= carsPerRange) return [{ afterId: 0, maxId: null }];
  const count = Math.ceil(total / carsPerRange);
  const span = lastId - firstId + 1;
  const ranges: IdRange[] = [];
  let afterId = 0;
  for (let i = 1; i < count; i++) {
    const maxId = firstId - 1 + Math.round((span * i) / count);
    if (maxId <= afterId) continue;
    ranges.push({ afterId, maxId });
    afterId = maxId;
  }
  ranges.push({ afterId, maxId: null });
  return ranges;
}
