import { Context } from '@temporalio/activity';
import { isNonRetryable } from '../errors';
import type { PassOutcome, RemovalOutcome, RunStatus, SyncSummary, Verification } from '../sync-types';
import { inTransaction } from '../db/transaction';
import { redact } from '../redact';
import type { ActivityDeps } from './deps';
import { withRetryDelay } from '../backoff';
import { countListing } from './survey';

/**
 * A pass may see fewer cars than were listed at both its surveys only by cars delisted or listed
 * while it ran: up to this share of the smaller survey (and at least `min` cars) is taken for that
 * churn. A pass short by more missed pages, and proves nothing.
 */
export const PASS_SHORTFALL_TOLERANCE = { share: 0.01, min: 10 } as const;

/** Attempts at the end-of-run survey before a run that cannot count the listing closes unverified. */
const END_SURVEY_ATTEMPTS = 3;

/** Reasons kept in the summary and the ledger; the rest are counted, so a bad upstream cannot bloat history. */
const MAX_REASONS = 10;

export interface FinishRunInput {
  runId: string;
  workflowId: string;
  /** How the run's ranges ended; a completed run ends unverified when it cannot prove its completeness. */
  status: Exclude<RunStatus, 'unverified'>;
  /** True for a full run whose every range completed: only such a run, once verified, may mark cars removed. */
  applyRemovals: boolean;
  maxRemovalShare: number;
  /** Where the next incremental run may start from, should the run complete verified. */
  highWaterMark: string | null;
  /** What each pass read; a completed run checks each against the listing's size now. */
  passes: PassOutcome[];
  /** The run's request budget, which the end-of-run survey keeps to. */
  requestsPerSecond: number;
  /** Why a failed run failed: its root cause's class (the Temporal failure type) and message. */
  failure?: RunFailure;
  summary: Omit<
    SyncSummary,
    'status' | 'verified' | 'unverifiedReasons' | 'removed' | 'removalCandidates' | 'removalBrakeTripped' | 'durationSeconds' | 'rowsPerSecond'
  >;
}

export interface RunFailure {
  type: string;
  message: string;
}

/** The payload of `NOTIFY carsync_run_finished`, sent when the run's close commits. */
export interface RunFinishedNotice {
  runId: string;
  workflowId: string;
  mode: string;
  status: RunStatus;
  verified: boolean;
  counts: { carsSeen: number; inserted: number; updated: number; removed: number; rejected: number };
}

/** The most of a failure's message the ledger keeps. */
const MAX_FAILURE_MESSAGE_CHARS = 2000;

const REMOVE_SQL = `
WITH removed AS (
  UPDATE cars SET removed_at = now(), synced_at = now()
  WHERE removed_at IS NULL AND id IN (SELECT car_id FROM sync_removal_candidates WHERE run_id = $1)
  RETURNING id, price, status
)
INSERT INTO car_changes (run_id, car_id, kind, old_price, new_price, old_status, new_status)
SELECT $1, id, 'removed', price, price, status, status FROM removed`;

export interface FinishRunResult extends RemovalOutcome, Verification {
  status: RunStatus;
  finishedAtMs: number;
}

/**
 * Verifies a completed run (no page broke the contract, no pass came up short), applies a verified
 * full run's removals (behind the safety brake), and closes the run in the ledger.
 */
export function createFinishRun({ pool, api, limiter, retention }: ActivityDeps) {
  return async function finishRun(input: FinishRunInput): Promise<FinishRunResult> {
    const { runId, workflowId, status, applyRemovals, maxRemovalShare, highWaterMark, summary, failure } = input;
    // Surveyed before the transaction opens: no connection waits on the upstream.
    const shortPasses = status === 'completed' ? await checkPasses(input) : [];
    return inTransaction(pool, async (client) => {
      const anomalies = (
        await client.query<{ reason: string }>('SELECT reason FROM sync_run_anomalies WHERE run_id = $1 ORDER BY seen_at, reason', [runId])
      ).rows.map((r) => r.reason);
      const reasons = [...(status === 'completed' ? [] : [`the run ${status} before it read every range`]), ...anomalies, ...shortPasses];
      const verified = reasons.length === 0;
      const unverifiedReasons = reasons.length > MAX_REASONS ? [...reasons.slice(0, MAX_REASONS - 1), `and ${reasons.length - MAX_REASONS + 1} more`] : reasons;
      const finalStatus: RunStatus = status === 'completed' && !verified ? 'unverified' : status;

      let outcome: RemovalOutcome = { removed: 0, candidates: 0, brakeTripped: false, limit: 0 };
      if (applyRemovals && verified) {
        const { rows } = await client.query<{ candidates: string }>(
          `SELECT count(*) AS candidates FROM sync_removal_candidates s JOIN cars c ON c.id = s.car_id
           WHERE s.run_id = $1 AND c.removed_at IS NULL`,
          [runId],
        );
        const candidates = Number(rows[0].candidates);
        // Counting the whole listing is a scan of every car: only worth it when there is something to remove.
        const listed = candidates === 0 ? 0 : Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM cars WHERE removed_at IS NULL')).rows[0].n);
        const limit = Math.floor(listed * maxRemovalShare);
        const brakeTripped = candidates > limit;
        let removed = 0;
        if (!brakeTripped && candidates > 0) {
          removed = (await client.query(REMOVE_SQL, [runId])).rowCount ?? 0;
        }
        outcome = { removed, candidates, brakeTripped, limit };
      }
      for (const table of ['sync_removal_candidates', 'sync_page_cursors', 'sync_run_anomalies', 'sync_run_pauses']) {
        await client.query(`DELETE FROM ${table} WHERE run_id = $1`, [runId]);
      }
      if (retention.changesDays > 0)
        await client.query('DELETE FROM car_changes WHERE changed_at < now() - make_interval(days => $1)', [retention.changesDays]);
      if (retention.rejectsDays > 0) await client.query('DELETE FROM car_rejects WHERE seen_at < now() - make_interval(days => $1)', [retention.rejectsDays]);
      const verification = { verified, unverifiedReasons };
      const failureMessage = failure ? redact(failure.message, []).slice(0, MAX_FAILURE_MESSAGE_CHARS) : null;
      // An upsert: a run whose input was refused never got as far as its ledger row.
      await client.query(
        `INSERT INTO sync_runs (run_id, workflow_id, mode, status, finished_at, high_water_mark, summary, verified, unverified_reasons, failure_type, failure_message)
         VALUES ($1, $2, $3, $4, now(), $5, $6, $7, $8, $9, $10)
         ON CONFLICT (run_id) DO UPDATE SET status = EXCLUDED.status, finished_at = EXCLUDED.finished_at,
           high_water_mark = EXCLUDED.high_water_mark, summary = EXCLUDED.summary,
           verified = EXCLUDED.verified, unverified_reasons = EXCLUDED.unverified_reasons,
           failure_type = EXCLUDED.failure_type, failure_message = EXCLUDED.failure_message`,
        [
          runId,
          workflowId,
          summary.mode,
          finalStatus,
          verified ? highWaterMark : null,
          JSON.stringify({ ...summary, ...outcome, ...verification, status: finalStatus }),
          verified,
          unverifiedReasons,
          failure?.type ?? null,
          failureMessage,
        ],
      );
      const notice: RunFinishedNotice = {
        runId,
        workflowId,
        mode: summary.mode,
        status: finalStatus,
        verified,
        counts: { carsSeen: summary.carsSeen, inserted: summary.inserted, updated: summary.updated, removed: outcome.removed, rejected: summary.rejected },
      };
      // Delivered when the transaction commits, so a listener never hears of a run the ledger does not show closed.
      await client.query("SELECT pg_notify('carsync_run_finished', $1)", [JSON.stringify(notice)]);
      return { ...outcome, ...verification, status: finalStatus, finishedAtMs: Date.now() };
    });
  };

  /** Each pass against the listing's size now: the reasons of those that came up short. */
  async function checkPasses({ runId, passes, requestsPerSecond }: FinishRunInput): Promise<string[]> {
    const { info, cancellationSignal: signal } = Context.current();
    const { attempt } = info;
    // The counts go one at a time: one lane.
    const acquire = () => limiter.acquire({ runId, requestsPerSecond, lanes: 1, signal });
    const reasons: string[] = [];
    for (const pass of passes) {
      let atEnd: number;
      try {
        atEnd = await countListing(api, acquire, pass.filter);
      } catch (err) {
        if (!isNonRetryable(err) && attempt < END_SURVEY_ATTEMPTS) throw withRetryDelay(err, attempt);
        reasons.push(`pass "${pass.name}": the listing could not be counted at the end of the run (${(err as Error).message})`);
        continue;
      }
      const reason = passShortfall(pass, atEnd);
      if (reason) reasons.push(reason);
    }
    return reasons;
  }
}

/** Why a pass saw too few cars for the listing it was planned for and the one at the end; null when it saw enough. */
export function passShortfall({ name, surveyed, seen }: PassOutcome, atEnd: number): string | null {
  const listed = Math.min(surveyed, atEnd);
  const tolerance = Math.max(PASS_SHORTFALL_TOLERANCE.min, Math.ceil(listed * PASS_SHORTFALL_TOLERANCE.share));
  if (listed - seen <= tolerance) return null;
  return `pass "${name}" saw ${seen} cars, but ${surveyed} were listed when it was planned and ${atEnd} at the end (more than the ${tolerance} that listing churn explains)`;
}
