import {
  allHandlersFinished,
  CancelledFailure,
  condition,
  continueAsNew,
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
import type { RunPlan, RunState, SyncInput, SyncSummary, TuningChange } from '../sync-types';
import type { Tuning } from '../tuning';
import { RangeChildren } from './children';
import { closeRun, explain, failureOf, handlersFinished, requestedMode } from './close';
import { isRunPaused } from './failures';
import { pageSyncedSignal, pauseSignal, progressQuery, rangeBackingOffSignal, rangeTuningSignal, resumeSignal, setTuningUpdate } from './messages';
import { limitPause, PauseState, type CarriedPause } from './pause';
import { RUN_ACTIVITY } from './policies';
import { detailsText, RunProgress, type CarriedProgress } from './progress';
import { planRanges, rangeChild, type RangeJob } from './ranges';
import { RangeScheduler } from './scheduler';
import { validateTuningChange } from './tuning-change';
import type { SyncCarsWorkflow } from './sync-cars';

/** The run logs its progress at most this often. */
const PROGRESS_LOG_EVERY_MS = 10_000;

const { startRun, recordPause } = proxyActivities<Activities>(RUN_ACTIVITY);

/** Patches: a failing range cancels its siblings; the run continues as new when Temporal suggests it. */
export const RUN_PATCHES = { cancelSiblings: 'cancel-sibling-ranges', continueAsNew: 'parent-continue-as-new' } as const;

/**
 * What a run hands to its next run when it continues as new, once none of its ranges is running: a new
 * run cannot await a child it did not start. The workflow id, the ledger's run id (the first run's)
 * and the ranges' ids stay the same.
 */
export interface CarriedRun {
  plan: RunPlan;
  tuning: Tuning;
  /** Ranges started so far, all finished: the next run starts the one after. */
  rangesStarted: number;
  progress: CarriedProgress;
  pause: CarriedPause;
}

/** One run of a sync, possibly carried on from an earlier run: its state, its message handlers and its steps. */
export class SyncRun {
  private readonly workflowId = workflowInfo().workflowId;
  /** The ledger's run id: the first run's, kept when the sync continues as new. */
  private readonly runId = workflowInfo().firstExecutionRunId;
  private readonly progress: RunProgress;
  private readonly children = new RangeChildren();
  private readonly pause: PauseState;
  private readonly handOver = new HandOver();
  private state: RunState = 'starting';
  private plan: RunPlan | undefined;
  private tuning: Tuning | undefined;
  private jobs: RangeJob[] = [];
  private scheduler: RangeScheduler<RangeJob> | undefined;
  private pauseOutlived = false;
  private progressLoggedMs: number | undefined;

  constructor(
    private readonly input: SyncInput,
    carried?: CarriedRun,
  ) {
    this.progress = carried ? RunProgress.carried(carried.progress) : new RunProgress();
    this.pause = new PauseState((paused, seq) => recordPause({ runId: this.runId, paused, seq }), this.children, carried?.pause);
    // Before the handlers: a setTuning that came during the hand-over finds the plan and the scheduler.
    if (carried) this.planned(carried.plan, carried.tuning, carried.rangesStarted);
    this.setHandlers();
  }

  /** Plans the run (a carried run has its plan) and watches its pause. */
  async start(): Promise<void> {
    if (!this.plan) {
      const plan = await planRun(
        () => startRun({ workflowId: this.workflowId, runId: this.runId, input: this.input }),
        () => this.pause.paused,
      );
      this.planned(plan, plan.tuning, 0);
      const passes = plan.passes.map(({ name, total }) => ({ name, cars: total }));
      log.info('run started', { mode: plan.mode, cars: plan.total, ranges: this.jobs.length, passes, notes: plan.notes });
    } else {
      log.info('run continued', { rangesStarted: this.scheduler!.started, ranges: this.jobs.length, paused: this.pause.paused });
    }
    this.state = 'running';
    this.show();
    const { maxPauseSeconds } = this.tuning!;
    void limitPause(this.pause, maxPauseSeconds, () => {
      this.pauseOutlived = true;
      this.scheduler!.fail(new CancelledFailure(`paused longer than maxPauseSeconds (${maxPauseSeconds} s)`));
      this.children.cancel();
    });
  }

  /** Runs the ranges; 'hand-over' once Temporal suggested continuing as new and the running ranges and handlers have finished. */
  async runRanges(): Promise<'done' | 'hand-over'> {
    const cancelSiblings = () => patched(RUN_PATCHES.cancelSiblings) && this.children.cancel();
    const outcome = await runRanges(
      this.scheduler!,
      () => this.pause.paused,
      (job) => this.runRange(job),
      cancelSiblings,
      this.handOver,
    );
    if (outcome === 'hand-over') await condition(allHandlersFinished);
    return outcome;
  }

  /** Continues as new with everything the next run needs but its running ranges, which have finished. */
  continueAsNew(): Promise<never> {
    const carried: CarriedRun = {
      plan: this.plan!,
      tuning: this.tuning!,
      rangesStarted: this.scheduler!.started,
      progress: this.progress.carry(),
      pause: this.pause.carry(),
    };
    log.info('run continues as new', { rangesStarted: carried.rangesStarted, ranges: this.jobs.length, paused: carried.pause.paused });
    return continueAsNew<typeof SyncCarsWorkflow>(this.input, carried);
  }

  /** Closes the run in the database and sums it up. */
  async close(status: 'completed' | 'failed' | 'cancelled', failure?: RunFailure): Promise<SyncSummary> {
    this.state = status === 'completed' ? 'finishing' : status;
    this.show();
    const { runId, workflowId, plan, tuning, progress } = this;
    const summary = await closeRun({
      status,
      runId,
      workflowId,
      mode: plan?.mode ?? requestedMode(this.input),
      plan,
      tuning,
      rangesTotal: this.jobs.length,
      progress,
      failure,
    });
    log.info('run finished', { ...summary, ...(failure ? { failure } : {}) });
    if (status === 'completed') this.state = summary.status === 'unverified' ? 'unverified' : 'completed';
    this.show();
    await handlersFinished();
    return summary;
  }

  /** Closes a run that stopped early: cancelled when its pause outlived the limit; otherwise closed, then `err` thrown. */
  async stopped(err: unknown): Promise<SyncSummary> {
    if (this.pauseOutlived) {
      this.plan!.notes.push(`cancelled: paused longer than maxPauseSeconds (${this.tuning!.maxPauseSeconds} s); nothing was marked removed`);
      return this.close('cancelled');
    }
    const cancelled = isCancellation(err);
    await this.close(cancelled ? 'cancelled' : 'failed', cancelled ? undefined : failureOf(err));
    throw cancelled ? err : explain(err);
  }

  private planned(plan: RunPlan, tuning: Tuning, rangesStarted: number): void {
    this.plan = plan;
    this.tuning = tuning;
    this.jobs = planRanges(plan);
    this.scheduler = new RangeScheduler(this.jobs, tuning.concurrency, rangesStarted);
  }

  private setHandlers(): void {
    setHandler(progressQuery, () => this.snapshot());
    setHandler(pageSyncedSignal, (report) => {
      if (this.progress.pagesSynced(report)) log.info('range recovered', { range: report.range });
      this.show();
      this.logProgress();
    });
    setHandler(rangeBackingOffSignal, (report) => {
      this.progress.rangeBackingOff(report);
      log.warn('range backing off', { ...report });
      this.show();
    });
    setHandler(pauseSignal, () => this.pause.set(true, () => this.show()));
    setHandler(resumeSignal, () => this.pause.set(false, () => this.show()));
    setHandler(setTuningUpdate, (change) => this.retune(change), { validator: validateTuningChange(() => this.plan) });
  }

  /** The scheduler and ranges started later read the new tuning; running ranges are told the new rate. */
  private async retune(change: TuningChange): Promise<Tuning> {
    const tuning = (this.tuning = { ...this.tuning!, ...change });
    this.scheduler!.setConcurrency(tuning.concurrency);
    if (change.requestsPerSecond !== undefined)
      await this.children.tell((child) => child.signal(rangeTuningSignal, { requestsPerSecond: tuning.requestsPerSecond }));
    this.show();
    return tuning;
  }

  private async runRange(job: RangeJob): Promise<void> {
    const pass = this.plan!.passes[job.pass];
    const ofPass = this.jobs.filter((j) => j.pass === job.pass);
    if (job === ofPass[0]) log.info('pass started', { pass: pass.name, cars: pass.total, ranges: ofPass.length });
    try {
      const result = await this.children.run(rangeChild(this.workflowId, job, this.jobs.length, this.tuning!, this.pause.paused));
      if (this.progress.rangeFinished(job.index, job.pass, result)) log.info('range recovered', { range: job.index });
      if (ofPass.every((j) => this.progress.finished(j.index)))
        log.info('pass finished', { pass: pass.name, cars: pass.total, seen: this.progress.passSeen.get(job.pass) ?? 0 });
      this.show();
      this.logProgress();
    } finally {
      this.scheduler!.stopped();
      this.progress.rangeStopped(job.index);
    }
  }

  private snapshot() {
    const { state, plan } = this;
    return this.progress.snapshot({ state, paused: this.pause.paused, plan, rangesTotal: this.jobs.length, rangesRunning: this.children.count });
  }

  private show(): void {
    setCurrentDetails(detailsText(this.snapshot()));
  }

  private logProgress(): void {
    // Workflow time: a replay computes the same lines, which the SDK then does not log again.
    if (this.progressLoggedMs !== undefined && Date.now() - this.progressLoggedMs < PROGRESS_LOG_EVERY_MS) return;
    this.progressLoggedMs = Date.now();
    const { pagesDone, pagesTotal, carsSeen, carsTotal, rowsPerSecond, etaSeconds } = this.snapshot();
    log.info('progress', { pagesDone, pagesTotal, carsSeen, carsTotal, rowsPerSecond, etaSeconds });
  }
}

/**
 * Whether the run should hand over to a new run: Temporal suggests it (the server counts the
 * history's events and bytes). The patch is asked only once the suggestion is on, so histories
 * recorded before it replay unchanged; a replay that finds no marker never asks again.
 */
export class HandOver {
  private refused = false;

  get suggested(): boolean {
    return !this.refused && workflowInfo().continueAsNewSuggested;
  }

  due(): boolean {
    if (!this.suggested) return false;
    if (patched(RUN_PATCHES.continueAsNew)) return true;
    this.refused = true;
    return false;
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

/**
 * Starts ranges as the scheduler allows; the first failure stops new starts (and, patched, the
 * siblings) and is thrown. Once a hand-over is due, nothing more starts, and the running ranges finish.
 */
async function runRanges<Job extends { passName: string }>(
  scheduler: RangeScheduler<Job>,
  paused: () => boolean,
  run: (job: Job) => Promise<void>,
  cancelSiblings: () => void,
  handOver: HandOver,
): Promise<'done' | 'hand-over'> {
  const results: Promise<void>[] = [];
  let handingOver = false;
  // A run hands over only once it has started a range, so a chain of runs always makes progress.
  const suggested = () => results.length > 0 && handOver.suggested;
  for (;;) {
    await condition(() => suggested() || scheduler.decided(paused()));
    if ((handingOver = suggested() && handOver.due())) break;
    // Woken by a suggestion that a replay of older code did not act on.
    if (!scheduler.decided(paused())) continue;
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
  return handingOver && scheduler.remaining ? 'hand-over' : 'done';
}
