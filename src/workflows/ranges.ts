import type { IdRange, RangeInput, RunPlan } from '../sync-types';
import type { Tuning } from '../tuning';

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
  for (let planned = 0; ;) {
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

/** One child workflow's share of a run: a range of one pass. */
export type RangeJob = Omit<RangeInput, 'tuning' | 'paused'> & { passName: string; pass: number };

/**
 * Cuts each pass of the plan into ranges; passes run one after another. Each range costs a request for
 * its last, partial page and often one more, empty, that proves its end: under a request budget, ranges
 * are as few as the lanes allow and even; without one they shrink toward the end of the pass.
 */
export function planRanges(plan: RunPlan): RangeJob[] {
  const { pageSize, pagesPerRange, concurrency, requestsPerSecond } = plan.tuning;
  const maxCars = pageSize * pagesPerRange;
  const sizes = (total: number) => {
    if (requestsPerSecond === 0) return { lanes: concurrency, minCars: Math.min(maxCars, 2 * pageSize), maxCars };
    const even = Math.min(maxCars, Math.max(pageSize, Math.ceil(total / concurrency)));
    return { lanes: concurrency, minCars: even, maxCars: even };
  };
  return plan.passes
    .flatMap((pass, passIndex) =>
      partitionIds(pass.firstId, pass.lastId, pass.total, sizes(pass.total)).map((range) => ({
        runId: plan.runId,
        range,
        filter: pass.filter,
        trackRemovals: pass.trackRemovals,
        revisits: pass.revisits,
        passName: pass.name,
        pass: passIndex,
      })),
    )
    .map((job, i) => ({ ...job, index: i + 1 }));
}

/** How a range's child workflow starts: its id derived from the run's, so a retried start finds it; its input carries the run's current tuning and pause. */
export function rangeChild(workflowId: string, { passName, pass: _pass, ...job }: RangeJob, count: number, tuning: Tuning, paused: boolean) {
  const { index, range } = job;
  return {
    workflowId: `${workflowId}/range-${index}-of-${count}`,
    staticSummary: `${passName}: ids ${range.afterId + 1}..${range.maxId ?? 'end'} (range ${index} of ${count})`,
    args: [{ ...job, tuning: { ...tuning }, paused }] as [RangeInput],
  };
}
