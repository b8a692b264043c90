import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  addCounts,
  ZERO_COUNTS,
  type PageCounts,
  type PassOutcome,
  type Progress,
  type RangeInput,
  type RunPlan,
  type SyncInput,
  type SyncMode,
  type SyncSummary,
  type TuningChange,
  type Verification,
} from '../sync-types';
import { tuningProblem } from '../tuning';
import { pageSyncedSignal, pauseSignal, progressQuery, rangeBackingOffSignal, rangeTuningSignal, resumeSignal, setTuningUpdate } from './messages';
import { isRunPaused, rootCause } from './failures';
import { partitionIds } from './partition';
import { RUN_ACTIVITY } from './policies';
import { SyncRangeWorkflow } from './sync-range';

const { startRun, finishRun, recordPause } = proxyActivities<Activities>(RUN_ACTIVITY);

type RangeJob = Omit<RangeInput, 'tuning' | 'paused'> & { passName: string; pass: number };

/**
 * A sync run: plans its passes (priority makes first, then the rest), runs one child workflow per id
 * range with bounded concurrency, and closes the run. A run that completed but cannot prove it read
 * everything ends `unverified`. Only a verified full run may mark cars removed.
 * No input at all is a full sync with defaults; startRun refuses any other input that is not a
 * valid object, so this code reads `input` for nothing but its mode.
 */
export async function SyncCarsWorkflow(input: SyncInput = {}): Promise<SyncSummary> {
  const info = workflowInfo();
  let state: Progress['state'] = 'starting';
  let paused = false;
  let plan: RunPlan | undefined;
  let jobs: RangeJob[] = [];
  // Counts of finished ranges are in `totals`; running ranges report theirs as they go.
  let totals = ZERO_COUNTS;
  const reported = new Map<number, PageCounts>();
  let lastPageAtMs = 0;
  let rangesDone = 0;
  let removed = 0;
  let verification: Verification | null = null;
  // Cars each pass's finished ranges saw, by pass: the run's close checks them against the listing.
  const passSeen = new Map<number, number>();
  const backingOff = new Set<number>();
  let lastError: string | null = null;
  const running = new Set<ChildWorkflowHandle<typeof SyncRangeWorkflow>>();
  // Children asked for but not started yet: starts are not awaited one by one, so lanes fill at once.
  const starting = new Set<Promise<ChildWorkflowHandle<typeof SyncRangeWorkflow>>>();

  const progress = (): Progress => {
    const live = [...reported.values()].reduce(addCounts, totals);
    const pagesEstimate = plan ? Math.ceil(plan.total / plan.tuning.pageSize) + Math.max(0, jobs.length - 1) : 0;
    const seconds = plan && lastPageAtMs > plan.startedAtMs ? (lastPageAtMs - plan.startedAtMs) / 1000 : 0;
    const rowsPerSecond = seconds > 0 ? Math.round(live.carsSeen / seconds) : 0;
    const remaining = plan ? Math.max(0, plan.total - live.carsSeen) : 0;
    const allWaiting = backingOff.size > 0 && backingOff.size >= running.size;
    return {
      ...live,
      state: state !== 'running' ? state : paused ? 'paused' : allWaiting ? 'backing-off' : state,
      mode: plan?.mode ?? null,
      pagesDone: live.pages,
      pagesTotal: Math.max(pagesEstimate, live.pages),
      carsTotal: plan?.total ?? 0,
      rangesDone,
      rangesTotal: jobs.length,
      removed,
      verified: verification?.verified ?? null,
      unverifiedReasons: verification?.unverifiedReasons ?? [],
      backingOff: backingOff.size,
      lastError,
      rowsPerSecond,
      etaSeconds: state !== 'running' || rowsPerSecond === 0 ? null : Math.round(remaining / rowsPerSecond),
    };
  };
  // The Web UI shows this as the run's current details, so the run tells its story without a query.
  const showDetails = () => {
    const p = progress();
    const eta = p.etaSeconds === null ? '' : `, ETA ${p.etaSeconds} s`;
    const trouble = p.backingOff > 0 && p.lastError ? `\n\nbacking off: ${p.backingOff} range(s); last: ${p.lastError}` : '';
    setCurrentDetails(
      `**${p.state}** (${p.mode ?? 'planning'}): ${p.pagesDone}/${p.pagesTotal} pages, ${p.carsSeen}/${p.carsTotal} cars, ` +
        `${p.rowsPerSecond} cars/s${eta}; ranges ${p.rangesDone}/${p.rangesTotal}; inserted ${p.inserted}, ` +
        `updated ${p.updated}, unchanged ${p.unchanged}, removed ${p.removed}, rejected ${p.rejected}, retries ${p.retries}${trouble}` +
        verificationDetails(p),
    );
  };

  setHandler(progressQuery, progress);
  const report = (range: number, counts: PageCounts) => reported.set(range, addCounts(reported.get(range) ?? ZERO_COUNTS, counts));
  setHandler(pageSyncedSignal, ({ finishedAtMs, range, ...counts }) => {
    report(range, counts);
    backingOff.delete(range);
    lastPageAtMs = Math.max(lastPageAtMs, finishedAtMs);
    showDetails();
  });
  setHandler(rangeBackingOffSignal, ({ range, reason, retries, waitSeconds }) => {
    report(range, { ...ZERO_COUNTS, retries });
    backingOff.add(range);
    lastError = `range ${range}: ${reason} (waiting ${waitSeconds} s)`;
    showDetails();
  });
  // A child still starting gets the message once it has started: it was given the state from before.
  // A child may finish while a signal is on its way to it; that child needs it no more.
  const tellRunning = async (send: (child: ChildWorkflowHandle<typeof SyncRangeWorkflow>) => Promise<void>) => {
    await Promise.allSettled([...[...running].map(send), ...[...starting].map(async (started) => send(await started))]);
  };
  // Every upstream request checks the pause as recorded in the database, on any worker, one started
  // after the pause too. Records are numbered, so a slow record of a pause cannot undo a later resume.
  // A run started by older workers replays its earlier pauses without records (the patch).
  let pauseSeq = 0;
  const record = async (value: boolean, seq: number) => {
    if (patched('record-pause')) await CancellationScope.nonCancellable(() => recordPause({ runId: info.firstExecutionRunId, paused: value, seq }));
  };
  setHandler(pauseSignal, async () => {
    const seq = ++pauseSeq;
    paused = true;
    showDetails();
    await Promise.all([record(true, seq), tellRunning((child) => child.signal(pauseSignal))]);
  });
  setHandler(resumeSignal, async () => {
    const seq = ++pauseSeq;
    // Cleared before anything may start again; a pause or resume that came meanwhile has the last word.
    await record(false, seq);
    if (seq !== pauseSeq) return;
    paused = false;
    showDetails();
    await tellRunning((child) => child.signal(resumeSignal));
  });
  setHandler(
    setTuningUpdate,
    async (change: TuningChange) => {
      const tuning = plan!.tuning;
      if (change.concurrency !== undefined) tuning.concurrency = change.concurrency;
      if (change.requestsPerSecond !== undefined) {
        tuning.requestsPerSecond = change.requestsPerSecond;
        await tellRunning((child) => child.signal(rangeTuningSignal, { requestsPerSecond: tuning.requestsPerSecond }));
      }
      showDetails();
      return tuning;
    },
    { validator: validateTuningChange(() => plan) },
  );

  const closeRun = async (status: 'completed' | 'failed' | 'cancelled') => {
    const summary = { ...totals, runId: info.firstExecutionRunId, mode: plan?.mode ?? requestedMode(input), ranges: jobs.length, notes: plan?.notes ?? [] };
    const passes: PassOutcome[] = (plan?.passes ?? []).map((pass, i) => ({ name: pass.name, filter: pass.filter, surveyed: pass.total, seen: passSeen.get(i) ?? 0 }));
    const { finishedAtMs, ...outcome } = await CancellationScope.nonCancellable(() =>
      finishRun({
        runId: info.firstExecutionRunId,
        workflowId: info.workflowId,
        status,
        applyRemovals: status === 'completed' && plan?.mode === 'full',
        maxRemovalShare: plan?.tuning.maxRemovalShare ?? 0,
        highWaterMark: status === 'completed' ? (plan?.highWaterMark ?? null) : null,
        passes,
        requestsPerSecond: plan?.tuning.requestsPerSecond ?? 0,
        summary,
      }),
    );
    const durationSeconds = plan ? Math.max(0, (finishedAtMs - plan.startedAtMs) / 1000) : 0;
    removed = outcome.removed;
    const closed: Verification = { verified: outcome.verified, unverifiedReasons: outcome.unverifiedReasons };
    verification = closed;
    const brake = outcome.brakeTripped
      ? [`removal brake: ${outcome.candidates} cars are no longer listed, more than the ${outcome.limit} allowed (maxRemovalShare); none were marked removed`]
      : [];
    return {
      ...summary,
      status: outcome.status,
      ...closed,
      removed,
      removalCandidates: outcome.candidates,
      removalBrakeTripped: outcome.brakeTripped,
      notes: [...summary.notes, ...brake],
      durationSeconds,
      rowsPerSecond: durationSeconds > 0 ? Math.round(totals.carsSeen / durationSeconds) : 0,
    } satisfies SyncSummary;
  };

  // The ranges run in their own scope: when one fails, the others are cancelled rather than left running.
  const rangesScope = new CancellationScope();
  try {
    plan = await planRun();
    const runPlan = plan;
    const { pageSize, pagesPerRange, concurrency, requestsPerSecond } = plan.tuning;
    // Passes run one after another: each is cut to keep every lane busy until it ends. Each range costs a
    // request for its last, partial page and often one more, empty, that proves its end: under a request
    // budget, ranges are as few as the lanes allow.
    const sizes = (total: number) => {
      const maxCars = pageSize * pagesPerRange;
      if (requestsPerSecond === 0) return { lanes: concurrency, minCars: Math.min(maxCars, 2 * pageSize), maxCars };
      const even = Math.min(maxCars, Math.max(pageSize, Math.ceil(total / concurrency)));
      return { lanes: concurrency, minCars: even, maxCars: even };
    };
    jobs = plan.passes.flatMap((pass, passIndex) =>
      partitionIds(pass.firstId, pass.lastId, pass.total, sizes(pass.total)).map((range) => ({
        runId: runPlan.runId,
        range,
        filter: pass.filter,
        trackRemovals: pass.trackRemovals,
        revisits: pass.revisits,
        passName: pass.name,
        pass: passIndex,
      })),
    ).map((job, i) => ({ ...job, index: i + 1 }));
    state = 'running';
    showDetails();
    await rangesScope.run(() => runRanges(runPlan, jobs));
  } catch (err) {
    rangesScope.cancel();
    const cancelled = isCancellation(err);
    state = cancelled ? 'cancelled' : 'failed';
    showDetails();
    await closeRun(cancelled ? 'cancelled' : 'failed');
    if (cancelled) throw err;
    throw explain(err);
  }
  state = 'finishing';
  showDetails();
  const summary = await closeRun('completed');
  state = summary.status === 'unverified' ? 'unverified' : 'completed';
  showDetails();
  return summary;

  /** Plans the run; planning that finds the run paused goes on once it is resumed. */
  async function planRun(): Promise<RunPlan> {
    for (;;) {
      try {
        return await startRun({ workflowId: info.workflowId, runId: info.firstExecutionRunId, input });
      } catch (err) {
        if (!isRunPaused(err)) throw err;
        await condition(() => !paused);
      }
    }
  }

  /** Starts ranges in order while fewer than `concurrency` run and the run is not paused. */
  async function runRanges(runPlan: RunPlan, all: RangeJob[]): Promise<void> {
    let failure: unknown;
    const busy = () => running.size + starting.size;
    const runOne = async ({ passName, pass, ...job }: RangeJob, count: number) => {
      const { range } = job;
      const started = startChild(SyncRangeWorkflow, {
        workflowId: `${info.workflowId}/range-${job.index}-of-${count}`,
        staticSummary: `${passName}: ids ${range.afterId + 1}..${range.maxId ?? 'end'} (range ${job.index} of ${count})`,
        args: [{ ...job, tuning: { ...runPlan.tuning }, paused }],
      });
      starting.add(started);
      let child: ChildWorkflowHandle<typeof SyncRangeWorkflow>;
      try {
        child = await started;
      } finally {
        starting.delete(started);
      }
      running.add(child);
      try {
        // The result holds every count of the range, including what it reported on the way.
        const { finishedAtMs, ...counts } = await child.result();
        totals = addCounts(totals, counts);
        passSeen.set(pass, (passSeen.get(pass) ?? 0) + counts.carsSeen);
        reported.delete(job.index);
        lastPageAtMs = Math.max(lastPageAtMs, finishedAtMs);
        rangesDone++;
        showDetails();
      } finally {
        running.delete(child);
        backingOff.delete(job.index);
      }
    };
    const results: Promise<void>[] = [];
    let previousPass: string | undefined;
    for (const job of all) {
      // Passes run one after the other: the priority makes are all written before any other make.
      if (previousPass !== undefined && job.passName !== previousPass) await condition(() => failure !== undefined || busy() === 0);
      previousPass = job.passName;
      await condition(() => failure !== undefined || (!paused && busy() < runPlan.tuning.concurrency));
      if (failure !== undefined) break;
      results.push(runOne(job, all.length).catch((err: unknown) => void (failure ??= err)));
    }
    await Promise.all(results);
    if (failure !== undefined) throw failure;
  }
}

function validateTuningChange(currentPlan: () => RunPlan | undefined) {
  return (change: TuningChange) => {
    if (!currentPlan()) throw new Error('the run is still planning; try again in a moment');
    if (typeof change !== 'object' || change === null) throw new Error('setTuning takes an object: {"requestsPerSecond"?: number, "concurrency"?: number}');
    const unknown = Object.keys(change).filter((key) => key !== 'requestsPerSecond' && key !== 'concurrency');
    if (unknown.length) throw new Error(`setTuning cannot change ${unknown.join(', ')}; only requestsPerSecond and concurrency`);
    // Taken literally: `null`, `true` or `"4"` is refused, not read as a number.
    for (const field of ['concurrency', 'requestsPerSecond'] as const) {
      const problem = field in change ? tuningProblem(field, change[field]) : null;
      if (problem) throw new Error(problem);
    }
  };
}

/** Says when a run cannot be taken for complete: as pages break the contract, and why once it has closed. */
function verificationDetails(p: Progress): string {
  if (p.verified === false) return `\n\ncompleteness not verified, so nothing was marked removed:\n${p.unverifiedReasons.map((r) => `- ${r}`).join('\n')}`;
  if (p.verified === null && p.anomalies > 0) return `\n\n${p.anomalies} page(s) broke the API contract: this run will end unverified`;
  return '';
}

/** The mode the input asks for, read without trusting its shape: startRun validates the input, and may refuse it. */
function requestedMode(input: unknown): SyncMode {
  return typeof input === 'object' && input !== null && (input as SyncInput).mode === 'incremental' ? 'incremental' : 'full';
}

/** The run fails with the root cause's type and message up front, so the Web UI says what to fix. */
function explain(err: unknown): unknown {
  const root = rootCause(err);
  if (root === err || !(root instanceof ApplicationFailure)) return err;
  return ApplicationFailure.create({ type: root.type ?? undefined, message: root.message, nonRetryable: true, cause: err as Error });
}
