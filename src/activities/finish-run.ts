import type { RemovalOutcome, SyncSummary } from '../sync-types';
import { inTransaction } from '../db/transaction';
import type { ActivityDeps } from './deps';

export interface FinishRunInput {
  runId: string;
  workflowId: string;
  status: SyncSummary['status'];
  /** True only for a full run whose every range completed: only such a run may mark cars removed. */
  applyRemovals: boolean;
  maxRemovalShare: number;
  /** Where the next incremental run may start from; null unless the run completed. */
  highWaterMark: string | null;
  summary: Omit<SyncSummary, 'removed' | 'removalCandidates' | 'removalBrakeTripped' | 'durationSeconds' | 'rowsPerSecond'>;
}

export interface FinishRunResult extends RemovalOutcome {
  finishedAtMs: number;
}

/** Applies a complete full run's removals (behind the safety brake) and closes the run in the ledger. */
export function createFinishRun({ pool }: ActivityDeps) {
  return async function finishRun({ runId, workflowId, status, applyRemovals, maxRemovalShare, highWaterMark, summary }: FinishRunInput): Promise<FinishRunResult> {
    return inTransaction(pool, async (client) => {
      let outcome: RemovalOutcome = { removed: 0, candidates: 0, brakeTripped: false, limit: 0 };
      if (applyRemovals) {
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
          const result = await client.query(
            `UPDATE cars SET removed_at = now(), synced_at = now()
             WHERE removed_at IS NULL AND id IN (SELECT car_id FROM sync_removal_candidates WHERE run_id = $1)`,
            [runId],
          );
          removed = result.rowCount ?? 0;
        }
        outcome = { removed, candidates, brakeTripped, limit };
      }
      await client.query('DELETE FROM sync_removal_candidates WHERE run_id = $1', [runId]);
      await client.query('DELETE FROM sync_page_cursors WHERE run_id = $1', [runId]);
      // An upsert: a run whose input was refused never got as far as its ledger row.
      await client.query(
        `INSERT INTO sync_runs (run_id, workflow_id, mode, status, finished_at, high_water_mark, summary)
         VALUES ($1, $2, $3, $4, now(), $5, $6)
         ON CONFLICT (run_id) DO UPDATE SET status = EXCLUDED.status, finished_at = EXCLUDED.finished_at,
           high_water_mark = EXCLUDED.high_water_mark, summary = EXCLUDED.summary`,
        [runId, workflowId, summary.mode, status, highWaterMark, JSON.stringify({ ...summary, ...outcome })],
      );
      return { ...outcome, finishedAtMs: Date.now() };
    });
  };
}
