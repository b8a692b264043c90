import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { addCounts, ZERO_COUNTS, type IdRange, type PageCounts, type Progress, type RunPlan, type SyncInput, type SyncSummary } from '../sync-types';
import { pageSyncedSignal, pauseSignal, progressQuery, rangeBackingOffSignal, resumeSignal } from './messages';
import { partitionIds } from './partition';
import { RUN_ACTIVITY } from './policies';
import { SyncRangeWorkflow } from './sync-range';

const { startRun, finishRun } = proxyActivities<Activities>(RUN_ACTIVITY);

/**
 * A sync run: plans the id ranges, runs one child workflow per range with bounded concurrency, and
 * closes the run. Only a full run whose every range completed may mark cars removed.
 */
export async function SyncCarsWorkflow(input: SyncInput = {}): Promise<SyncSummary> {
  const info = workflowInfo();
  let state: Progress['state'] = 'starting';
  let paused = false;
  let plan: RunPlan | undefined;
  let ranges: IdRange[] = [];
  let live: PageCounts = ZERO_COUNTS;
  let lastPageAtMs = 0;
  let rangesDone = 0;
  const backingOff = new Set<number>();
  let lastError: string | null = null;
  const running = new Set<ChildWorkflowHandle<typeof SyncRangeWorkflow>>();

  const progress = (): Progress => {
    const pagesEstimate = plan ? Math.ceil(plan.total / plan.tuning.pageSize) + Math.max(0, ranges.length - 1) : 0;
    const seconds = plan && lastPageAtMs > plan.startedAtMs ? (lastPageAtMs - plan.startedAtMs) / 1000 : 0;
    const rowsPerSecond = seconds > 0 ? Math.round(live.carsSeen / seconds) : 0;
    const remaining = plan ? Math.max(0, plan.total - live.carsSeen) : 0;
    return {
      ...live,
      state: state !== 'running' ? state : paused ? 'paused' : backingOff.size > 0 && backingOff.size >= running.size ? 'backing-off' : state,
      mode: plan?.mode ?? null,
      pagesDone: live.pages,
      pagesTotal: Math.max(pagesEstimate, live.pages),
      carsTotal: plan?.total ?? 0,
      rangesDone,
      rangesTotal: ranges.length,
      removed: 0,
      backingOff: backingOff.size,
      lastError,
      rowsPerSecond,
      etaSeconds: state !== 'running' || rowsPerSecond === 0 ? null : Math.round(remaining / rowsPerSecond),
    };
  };
  const showDetails = () => {
    const p = progress();
    const eta = p.etaSeconds === null ? '' : `, ETA ${p.etaSeconds} s`;
    const trouble = p.backingOff > 0 && p.lastError ? `\n\nbacking off: ${p.backingOff} range(s); last: ${p.lastError}` : '';
    setCurrentDetails(
      `**${p.state}**: ${p.pagesDone}/${p.pagesTotal} pages, ${p.carsSeen}/${p.carsTotal} cars, ` +
        `${p.rowsPerSecond} cars/s${eta}; ranges ${p.rangesDone}/${p.rangesTotal}; ` +
        `inserted ${p.inserted}, updated ${p.updated}, unchanged ${p.unchanged}, rejected ${p.rejected}, retries ${p.retries}${trouble}`,
    );
  };

  setHandler(progressQuery, progress);
  setHandler(pageSyncedSignal, ({ finishedAtMs, range, ...counts }) => {
    live = addCounts(live, counts);
    backingOff.delete(range);
    lastPageAtMs = Math.max(lastPageAtMs, finishedAtMs);
    showDetails();
  });
  setHandler(rangeBackingOffSignal, ({ range, reason, retries, waitSeconds }) => {
    live = addCounts(live, { ...ZERO_COUNTS, retries });
    backingOff.add(range);
    lastError = `range ${range}: ${reason} (waiting ${waitSeconds} s)`;
    showDetails();
  });
  const forward = async (signal: typeof pauseSignal | typeof resumeSignal) => {
    // A child may finish while the signal is on its way; that child needs no pause any more.
    await Promise.allSettled([...running].map((child) => child.signal(signal)));
  };
  setHandler(pauseSignal, async () => {
    paused = true;
    showDetails();
    await forward(pauseSignal);
  });
  setHandler(resumeSignal, async () => {
    paused = false;
    showDetails();
    await forward(resumeSignal);
  });

  let totals = ZERO_COUNTS;
  const closeRun = async (status: SyncSummary['status']) => {
    state = status === 'completed' ? 'finishing' : state;
    const summary = {
      ...totals,
      runId: info.firstExecutionRunId,
      mode: plan?.mode ?? input.mode ?? 'full',
      status,
      ranges: ranges.length,
    };
    const outcome = await CancellationScope.nonCancellable(() =>
      finishRun({
        runId: info.firstExecutionRunId,
        workflowId: info.workflowId,
        status,
        applyRemovals: status === 'completed' && plan?.mode === 'full',
        maxRemovalShare: plan?.tuning.maxRemovalShare ?? 0,
        summary,
      }),
    );
    const durationSeconds = plan ? Math.max(0, (outcome.finishedAtMs - plan.startedAtMs) / 1000) : 0;
    return {
      ...summary,
      removed: outcome.removed,
      removalCandidates: outcome.candidates,
      removalBrakeTripped: outcome.brakeTripped,
      durationSeconds,
      rowsPerSecond: durationSeconds > 0 ? Math.round(totals.carsSeen / durationSeconds) : 0,
    } satisfies SyncSummary;
  };

  // The ranges run in their own scope: when one fails, the others are cancelled rather than left running.
  const rangesScope = new CancellationScope();
  try {
    plan = await startRun({ workflowId: info.workflowId, runId: info.firstExecutionRunId, input });
    const runPlan = plan;
    ranges = partitionIds(plan.firstId, plan.lastId, plan.total, plan.tuning.pageSize * plan.tuning.pagesPerRange);
    state = 'running';
    showDetails();

    let next = 0;
    const lane = async () => {
      while (next < ranges.length) {
        const index = next++;
        const range = ranges[index];
        await condition(() => !paused);
        const child = await startChild(SyncRangeWorkflow, {
          workflowId: `${info.workflowId}/range-${index + 1}-of-${ranges.length}`,
          staticSummary: `ids ${range.afterId + 1}..${range.maxId ?? 'end'} (range ${index + 1} of ${ranges.length})`,
          args: [{ runId: runPlan.runId, index: index + 1, range, tuning: runPlan.tuning, trackRemovals: runPlan.mode === 'full', paused }],
        });
        running.add(child);
        let counts: PageCounts;
        try {
          counts = await child.result();
        } finally {
          running.delete(child);
        }
        totals = addCounts(totals, counts);
        backingOff.delete(index + 1);
        rangesDone++;
      }
    };
    const lanes = Math.min(plan.tuning.concurrency, ranges.length);
    await rangesScope.run(() => Promise.all(Array.from({ length: lanes }, lane)));
  } catch (err) {
    rangesScope.cancel();
    const cancelled = isCancellation(err);
    state = cancelled ? 'cancelled' : 'failed';
    showDetails();
    await closeRun(cancelled ? 'cancelled' : 'failed');
    if (cancelled) throw err;
    throw explain(err);
  }

  const summary = await closeRun('completed');
  state = 'completed';
  live = totals;
  showDetails();
  return summary;
}

/** The run fails with the root cause's type and message up front, so the Web UI says what to fix. */
function explain(err: unknown): unknown {
  let root = err as Error & { cause?: unknown };
  while (root.cause instanceof Error) root = root.cause as Error & { cause?: unknown };
  if (root === err || !(root instanceof ApplicationFailure)) return err;
  return ApplicationFailure.create({ type: root.type ?? undefined, message: root.message, nonRetryable: true, cause: err as Error });
}
