import {
  allHandlersFinished,
  ApplicationFailure,
  CancelledFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { RunFailure } from '../activities/finish-run';
import type { PassOutcome, RunPlan, RunState, SyncInput, SyncMode, SyncSummary, TuningChange } from '../sync-types';
import { tuningProblem, type Tuning } from '../tuning';
import { RangeChildren } from './children';
import { isRunPaused, rootCause } from './failures';
import { pageSyncedSignal, pauseSignal, progressQuery, rangeBackingOffSignal, rangeTuningSignal, resumeSignal, setTuningUpdate } from './messages';
import { RUN_ACTIVITY } from './policies';
import { detailsText, RunProgress } from './progress';
import { planRanges, rangeChild, type RangeJob } from './ranges';
import { RangeScheduler } from './scheduler';

/** The run logs its progress at most this often. */
const PROGRESS_LOG_EVERY_MS = 10_000;

const { startRun, finishRun, recordPause } = proxyActivities<Activities>(RUN_ACTIVITY);

/** Patches: a failing range cancels its siblings; a run waits for its handlers before it ends; a pause has a limit. */
export const PATCHES = { cancelSiblings: 'cancel-sibling-ranges', awaitHandlers: 'await-handlers', maxPause: 'max-pause' } as const;

/**
 * A sync run: plans its passes (priority makes first, then the rest), runs one child workflow per id
 * range with bounded concurrency, and closes the run. A run that completed but cannot prove it read
 * everything ends `unverified`. Only a verified full run may mark cars removed.
 * No input at all is a full sync with defaults; startRun refuses any other input that is not a
 * valid object, so this code reads `input` for nothing but its mode.
 */
export async function SyncCarsWorkflow(input: SyncInput = {}): Promise<SyncSummary> {
  const { workflowId, firstExecutionRunId: runId } = workflowInfo();
  const progress = new RunProgress();
  const children = new RangeChildren();
  const pause = new PauseState((paused, seq) => recordPause({ runId, paused, seq }), children);
  let state: RunState = 'starting';
  let plan: RunPlan | undefined;
  let tuning: Tuning | undefined;
  let jobs: RangeJob[] = [];
  let scheduler: RangeScheduler<RangeJob> | undefined;
  let pauseOutlived = false;
  const snapshot = () => progress.snapshot({ state, paused: pause.paused, plan, rangesTotal: jobs.length, rangesRunning: children.count });
  const show = () => setCurrentDetails(detailsText(snapshot()));
  setHandler(progressQuery, snapshot);
  let progressLoggedMs: number | undefined;
  const logProgress = () => {
    // Workflow time: a replay computes the same lines, which the SDK then does not log again.
    if (progressLoggedMs !== undefined && Date.now() - progressLoggedMs < PROGRESS_LOG_EVERY_MS) return;
    progressLoggedMs = Date.now();
    const { pagesDone, pagesTotal, carsSeen, carsTotal, rowsPerSecond, etaSeconds } = snapshot();
    log.info('progress', { pagesDone, pagesTotal, carsSeen, carsTotal, rowsPerSecond, etaSeconds });
  };
  setHandler(pageSyncedSignal, (report) => {
    if (progress.pagesSynced(report)) log.info('range recovered', { range: report.range });
    show();
    logProgress();
  });
  setHandler(rangeBackingOffSignal, (report) => {
    progress.rangeBackingOff(report);
    log.warn('range backing off', { ...report });
    show();
  });
  setHandler(pauseSignal, () => pause.set(true, show));
  setHandler(resumeSignal, () => pause.set(false, show));
  // The scheduler and ranges started later read the new tuning; running ranges are told the new rate.
  const retune = async (change: TuningChange) => {
    tuning = { ...tuning!, ...change };
    scheduler!.setConcurrency(tuning.concurrency);
    if (change.requestsPerSecond !== undefined) await tellRate(children, tuning.requestsPerSecond);
    show();
    return tuning;
  };
  setHandler(setTuningUpdate, retune, { validator: validateTuningChange(() => plan) });
  const runRange = async (job: RangeJob) => {
    const pass = plan!.passes[job.pass];
    const ofPass = jobs.filter((j) => j.pass === job.pass);
    if (job === ofPass[0]) log.info('pass started', { pass: pass.name, cars: pass.total, ranges: ofPass.length });
    try {
      const result = await children.run(rangeChild(workflowId, job, jobs.length, tuning!, pause.paused));
      if (progress.rangeFinished(job.index, job.pass, result)) log.info('range recovered', { range: job.index });
      if (ofPass.every((j) => progress.finished(j.index))) log.info('pass finished', { pass: pass.name, cars: pass.total, seen: progress.passSeen.get(job.pass) ?? 0 });
      show();
      logProgress();
    } finally {
      scheduler!.stopped();
      progress.rangeStopped(job.index);
    }
  };
  const close = async (status: 'completed' | 'failed' | 'cancelled', failure?: RunFailure) => {
    state = status === 'completed' ? 'finishing' : status;
    show();
    const summary = await closeRun({ status, runId, workflowId, mode: plan?.mode ?? requestedMode(input), plan, tuning, rangesTotal: jobs.length, progress, failure });
    log.info('run finished', { ...summary, ...(failure ? { failure } : {}) });
    if (status === 'completed') state = summary.status === 'unverified' ? 'unverified' : 'completed';
    show();
    await handlersFinished();
    return summary;
  };

  try {
    plan = await planRun(() => startRun({ workflowId, runId, input }), () => pause.paused);
    tuning = plan.tuning;
    jobs = planRanges(plan);
    log.info('run started', { mode: plan.mode, cars: plan.total, ranges: jobs.length, passes: plan.passes.map(({ name, total }) => ({ name, cars: total })), notes: plan.notes });
    scheduler = new RangeScheduler(jobs, tuning.concurrency);
    state = 'running';
    show();
    void limitPause(() => pause.paused, tuning.maxPauseSeconds, () => {
      pauseOutlived = true;
      scheduler!.fail(new CancelledFailure(`paused longer than maxPauseSeconds (${tuning!.maxPauseSeconds} s)`));
      children.cancel();
    });
    await runRanges(scheduler, () => pause.paused, runRange, () => patched(PATCHES.cancelSiblings) && children.cancel());
  } catch (err) {
    if (pauseOutlived) {
      plan!.notes.push(`cancelled: paused longer than maxPauseSeconds (${tuning!.maxPauseSeconds} s); nothing was marked removed`);
      return close('cancelled');
    }
    const cancelled = isCancellation(err);
    await close(cancelled ? 'cancelled' : 'failed', cancelled ? undefined : failureOf(err));
    throw cancelled ? err : explain(err);
  }
  return close('completed');
}

/**
 * The run's pause, as signalled and as recorded. Every upstream request checks the pause as recorded
 * in the database, on any worker, one started after the pause too. Records are numbered, so a slow
 * record of a pause cannot undo a later resume. A run started by older workers replays its earlier
 * pauses without records (the patch).
 */
class PauseState {
  paused = false;
  private seq = 0;

  constructor(
    private readonly recordPause: (paused: boolean, seq: number) => Promise<void>,
    private readonly children: RangeChildren,
  ) {}

  async set(paused: boolean, show: () => void): Promise<void> {
    const seq = ++this.seq;
    if (paused) {
      this.paused = true;
      show();
      await Promise.all([this.record(true, seq), this.children.tell((child) => child.signal(pauseSignal))]);
      return;
    }
    // Cleared before anything may start again; a pause or resume that came meanwhile has the last word.
    await this.record(false, seq);
    if (seq !== this.seq) return;
    this.paused = false;
    show();
    await this.children.tell((child) => child.signal(resumeSignal));
  }

  private async record(paused: boolean, seq: number): Promise<void> {
    if (patched('record-pause')) await CancellationScope.nonCancellable(() => this.recordPause(paused, seq));
  }
}

/** A running range learns the run's new request rate from the parent. */
async function tellRate(children: RangeChildren, requestsPerSecond: number): Promise<void> {
  await children.tell((child) => child.signal(rangeTuningSignal, { requestsPerSecond }));
}

/** Lets the handlers of messages that came in while the run closed finish before the run ends. */
async function handlersFinished(): Promise<void> {
  if (patched(PATCHES.awaitHandlers)) await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
}

/**
 * Calls `outlived` once a pause lasts longer than `maxPauseSeconds` (0: no limit). Its timer exists
 * only while the run is paused; runs that recorded a pause before the patch replay without it.
 */
async function limitPause(paused: () => boolean, maxPauseSeconds: number, outlived: () => void): Promise<void> {
  try {
    for (;;) {
      await condition(paused);
      if (!(maxPauseSeconds > 0 && patched(PATCHES.maxPause))) await condition(() => !paused());
      else if (!(await condition(() => !paused(), maxPauseSeconds * 1000))) return outlived();
    }
  } catch (err) {
    // A cancelled run stops watching its pause; its own close reports the cancellation.
    if (!isCancellation(err)) throw err;
  }
}

/** Plans the run; planning that finds the run paused goes on once it is resumed. */
async function planRun(plan: () => Promise<RunPlan>, paused: () => boolean): Promise<RunPlan> {
  for (;;) {
    try {
      return await plan();
    } catch (err) {
      if (!isRunPaused(err)) throw err;
      await condition(() => !paused());
    }
  }
}

/** Starts ranges as the scheduler allows; the first failure stops new starts (and, patched, the siblings) and is thrown. */
async function runRanges<Job extends { passName: string }>(
  scheduler: RangeScheduler<Job>,
  paused: () => boolean,
  run: (job: Job) => Promise<void>,
  cancelSiblings: () => void,
): Promise<void> {
  const results: Promise<void>[] = [];
  for (;;) {
    await condition(() => scheduler.decided(paused()));
    const job = scheduler.take(paused());
    if (!job) break;
    const failed = (err: unknown) => {
      const first = !scheduler.failed;
      scheduler.fail(err);
      if (first && !isCancellation(err)) cancelSiblings();
    };
    results.push(run(job).catch(failed));
  }
  await Promise.all(results);
  if (scheduler.failed) throw scheduler.failed.error;
}

interface CloseInput {
  status: 'completed' | 'failed' | 'cancelled';
  runId: string;
  workflowId: string;
  mode: SyncMode;
  plan: RunPlan | undefined;
  tuning: Tuning | undefined;
  rangesTotal: number;
  progress: RunProgress;
  failure?: RunFailure;
}

/** Closes the run in the database (removals, ledger row) and sums it up; runs even when the run was cancelled. */
async function closeRun({ status, runId, workflowId, mode, plan, tuning, rangesTotal, progress, failure }: CloseInput): Promise<SyncSummary> {
  const { totals, passSeen } = progress;
  const summary = { ...totals, runId, mode, ranges: rangesTotal, notes: plan?.notes ?? [] };
  const passes: PassOutcome[] = (plan?.passes ?? []).map((pass, i) => ({ name: pass.name, filter: pass.filter, surveyed: pass.total, seen: passSeen.get(i) ?? 0 }));
  const { finishedAtMs, ...outcome } = await CancellationScope.nonCancellable(() =>
    finishRun({
      runId,
      workflowId,
      status,
      applyRemovals: status === 'completed' && plan?.mode === 'full',
      maxRemovalShare: tuning?.maxRemovalShare ?? 0,
      highWaterMark: status === 'completed' ? (plan?.highWaterMark ?? null) : null,
      passes,
      requestsPerSecond: tuning?.requestsPerSecond ?? 0,
      summary,
      failure,
    }),
  );
  const durationSeconds = plan ? Math.max(0, (finishedAtMs - plan.startedAtMs) / 1000) : 0;
  progress.removed = outcome.removed;
  progress.verification = { verified: outcome.verified, unverifiedReasons: outcome.unverifiedReasons };
  const brake = outcome.brakeTripped
    ? [`removal brake: ${outcome.candidates} cars are no longer listed, more than the ${outcome.limit} allowed (maxRemovalShare); none were marked removed`]
    : [];
  return {
    ...summary,
    status: outcome.status,
    ...progress.verification,
    removed: outcome.removed,
    removalCandidates: outcome.candidates,
    removalBrakeTripped: outcome.brakeTripped,
    notes: [...summary.notes, ...brake],
    durationSeconds,
    rowsPerSecond: durationSeconds > 0 ? Math.round(totals.carsSeen / durationSeconds) : 0,
  };
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

/** The mode the input asks for, read without trusting its shape: startRun validates the input, and may refuse it. */
function requestedMode(input: unknown): SyncMode {
  return typeof input === 'object' && input !== null && (input as SyncInput).mode === 'incremental' ? 'incremental' : 'full';
}

/** Why the run failed, for the ledger: its root cause's class (the Temporal failure type) and message. */
function failureOf(err: unknown): RunFailure {
  const root = rootCause(err);
  if (root instanceof ApplicationFailure) return { type: root.type ?? 'Error', message: root.message };
  return root instanceof Error ? { type: root.name, message: root.message } : { type: 'Error', message: String(root) };
}

/** The run fails with the root cause's type and message up front, so the Web UI says what to fix. */
function explain(err: unknown): unknown {
  const root = rootCause(err);
  if (root === err || !(root instanceof ApplicationFailure)) return err;
  return ApplicationFailure.create({ type: root.type ?? undefined, message: root.message, nonRetryable: true, cause: err as Error });
}
