import { allHandlersFinished, ApplicationFailure, CancellationScope, condition, patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { RunFailure } from '../activities/finish-run';
import type { PassOutcome, RunPlan, SyncInput, SyncMode, SyncSummary } from '../sync-types';
import type { Tuning } from '../tuning';
import { rootCause } from './failures';
import { RUN_ACTIVITY } from './policies';
import type { RunProgress } from './progress';

const { finishRun } = proxyActivities<Activities>(RUN_ACTIVITY);

/** Patch: a run waits for its handlers before it ends. */
export const AWAIT_HANDLERS_PATCH = 'await-handlers';

export interface CloseInput {
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
export async function closeRun({ status, runId, workflowId, mode, plan, tuning, rangesTotal, progress, failure }: CloseInput): Promise<SyncSummary> {
  const { totals, passSeen } = progress;
  const summary = { ...totals, runId, mode, ranges: rangesTotal, notes: plan?.notes ?? [] };
  const passes: PassOutcome[] = (plan?.passes ?? []).map((pass, i) => ({
    name: pass.name,
    filter: pass.filter,
    surveyed: pass.total,
    seen: passSeen.get(i) ?? 0,
  }));
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

/** Lets the handlers of messages that came in while the run closed finish before the run ends. */
export async function handlersFinished(): Promise<void> {
  if (patched(AWAIT_HANDLERS_PATCH)) await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
}

/** The mode the input asks for, read without trusting its shape: startRun validates the input, and may refuse it. */
export function requestedMode(input: unknown): SyncMode {
  return typeof input === 'object' && input !== null && (input as SyncInput).mode === 'incremental' ? 'incremental' : 'full';
}

/** Why the run failed, for the ledger: its root cause's class (the Temporal failure type) and message. */
export function failureOf(err: unknown): RunFailure {
  const root = rootCause(err);
  if (root instanceof ApplicationFailure) return { type: root.type ?? 'Error', message: root.message };
  return root instanceof Error ? { type: root.name, message: root.message } : { type: 'Error', message: String(root) };
}

/** The run fails with the root cause's type and message up front, so the Web UI says what to fix. */
export function explain(err: unknown): unknown {
  const root = rootCause(err);
  if (root === err || !(root instanceof ApplicationFailure)) return err;
  return ApplicationFailure.create({ type: root.type ?? undefined, message: root.message, nonRetryable: true, cause: err as Error });
}
