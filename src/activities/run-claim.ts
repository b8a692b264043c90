import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { inTransaction } from '../db/transaction';
import { SyncAlreadyRunningError } from '../errors';
import type { SyncMode } from '../sync-types';

/** Planners of one database take their turn under this lock (db/migrate.ts uses 4242001). */
const CLAIM_LOCK = 4242002;

export interface RunClaim {
  workflowId: string;
  runId: string;
  mode: SyncMode;
}

/**
 * One sync at a time per database: the run's ledger row says `running` from here until its close.
 * Another `running` row whose workflow Temporal still has open (in its first run or one it continued
 * as new) holds the tables, and this run is refused (SyncAlreadyRunningError, naming it). A `running` row whose workflow is closed (terminated
 * or timed out, so it never ran its close) is marked `terminated`; then every leftover of runs no
 * longer running (page cursors, removal candidates, anomalies, pause flags) is cleared. Returns notes for the summary.
 */
export async function claimTables(pool: Pool, temporal: Client, { workflowId, runId, mode }: RunClaim): Promise<string[]> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [CLAIM_LOCK]);
    const { rows } = await client.query<{ run_id: string; workflow_id: string; started_at: Date }>(
      `SELECT run_id, workflow_id, started_at FROM sync_runs WHERE status = 'running' AND run_id <> $1 ORDER BY started_at`,
      [runId],
    );
    const notes: string[] = [];
    for (const other of rows) {
      const status = await chainStatus(temporal, other.workflow_id, other.run_id);
      if (status === 'RUNNING') {
        throw new SyncAlreadyRunningError(
          `workflow ${other.workflow_id} (run ${other.run_id}, started ${other.started_at.toISOString()}) is syncing this database: ` +
            'one sync runs at a time, so this run did not start; wait for that one to end, or cancel it',
        );
      }
      notes.push(
        `run ${other.run_id} (workflow ${other.workflow_id}) ended ${status ?? 'and is gone from Temporal'} without closing: marked terminated, its leftovers cleared`,
      );
      await client.query(`UPDATE sync_runs SET status = 'terminated', finished_at = now() WHERE run_id = $1`, [other.run_id]);
    }
    // Every run but this one has ended: their leftovers go, including rows a terminated run's last activity wrote late.
    await client.query(`DELETE FROM sync_page_cursors WHERE run_id <> $1`, [runId]);
    await client.query(`DELETE FROM sync_removal_candidates WHERE run_id <> $1`, [runId]);
    await client.query(`DELETE FROM sync_run_anomalies WHERE run_id <> $1`, [runId]);
    // A pause recorded before its run's ledger row (while it planned) is kept until that run has a row.
    await client.query(`DELETE FROM sync_run_pauses p USING sync_runs r WHERE r.run_id = p.run_id AND r.status <> 'running'`);
    await client.query(`INSERT INTO sync_runs (run_id, workflow_id, mode, status) VALUES ($1, $2, $3, 'running') ON CONFLICT (run_id) DO NOTHING`, [
      runId,
      workflowId,
      mode,
    ]);
    return notes;
  });
}

/**
 * The sync's status in Temporal, from the run its ledger row names (its first): a run that continued
 * as new is followed to the run that carries it on, which may still be running.
 */
async function chainStatus(temporal: Client, workflowId: string, firstRunId: string): Promise<string | null> {
  for (let runId = firstRunId; ;) {
    const status = await workflowStatus(temporal, workflowId, runId);
    const next = status === 'CONTINUED_AS_NEW' ? await continuedAs(temporal, workflowId, runId) : undefined;
    if (!next) return status;
    runId = next;
  }
}

/** The run a run continued as: its last event names it. */
async function continuedAs(temporal: Client, workflowId: string, runId: string): Promise<string | undefined> {
  const { namespace } = temporal.options;
  const { history } = await temporal.workflowService.getWorkflowExecutionHistoryReverse({ namespace, execution: { workflowId, runId }, maximumPageSize: 1 });
  return history?.events?.[0]?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId || undefined;
}

/** The run's status in Temporal (`RUNNING`, `TERMINATED`, ...), or null when Temporal no longer has it. */
async function workflowStatus(temporal: Client, workflowId: string, runId: string): Promise<string | null> {
  try {
    return (await temporal.workflow.getHandle(workflowId, runId).describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}
