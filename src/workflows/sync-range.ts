import { condition, continueAsNew, getExternalWorkflowHandle, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { addCounts, ZERO_COUNTS, type PageCounts, type RangeInput } from '../sync-types';
import { pageSyncedSignal, pauseSignal, resumeSignal } from './messages';
import { PAGE_ACTIVITY } from './policies';

const { syncPage } = proxyActivities<Activities>(PAGE_ACTIVITY);

/**
 * Syncs one id range page by page with keyset paging (`after_id`, `max_id`), so cars delisted during
 * the run cannot shift later pages. Each page's counts go to the parent as they land.
 */
export async function SyncRangeWorkflow(input: RangeInput, carried: PageCounts = ZERO_COUNTS): Promise<PageCounts> {
  let paused = input.paused;
  setHandler(pauseSignal, () => void (paused = true));
  setHandler(resumeSignal, () => void (paused = false));
  const parent = workflowInfo().parent;
  const reports: Promise<void>[] = [];

  let totals = carried;
  let afterId = input.range.afterId;
  for (;;) {
    await condition(() => !paused);
    const page = await syncPage({ runId: input.runId, range: { afterId, maxId: input.range.maxId }, tuning: input.tuning, trackRemovals: input.trackRemovals });
    const { nextAfterId, done, finishedAtMs, ...counts } = page;
    totals = addCounts(totals, counts);
    if (parent) reports.push(getExternalWorkflowHandle(parent.workflowId, parent.runId).signal(pageSyncedSignal, { ...counts, finishedAtMs }));
    if (done || nextAfterId === null) break;
    afterId = nextAfterId;
    if (workflowInfo().continueAsNewSuggested) {
      await Promise.all(reports);
      await continueAsNew<typeof SyncRangeWorkflow>({ ...input, paused, range: { afterId, maxId: input.range.maxId } }, totals);
    }
  }
  await Promise.all(reports);
  return totals;
}
