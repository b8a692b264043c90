import type { Pool } from 'pg';
import type { RunStatus } from '../sync-types';
import { failureWithFix, type RunFailure } from './failure';

/** What `sync_runs.status` holds: a run's closing status, or running, or terminated (marked by the next run). */
export const LEDGER_STATUSES: readonly (RunStatus | 'running' | 'terminated')[] = ['running', 'completed', 'unverified', 'failed', 'cancelled', 'terminated'];

/** One run of the ledger, as `runs --json` gives it. */
export interface RunRow {
  workflowId: string;
  runId: string;
  mode: string;
  status: string;
  verified: boolean | null;
  removalBrakeTripped: boolean;
  startedAt: string;
  finishedAt: string | null;
  durationSeconds: number | null;
  carsSeen: number | null;
  inserted: number | null;
  updated: number | null;
  removed: number | null;
  rejected: number | null;
  unverifiedReasons: string[];
  failure: RunFailure | null;
}

interface LedgerRow {
  run_id: string;
  workflow_id: string;
  mode: string;
  status: string;
  started_at: Date;
  finished_at: Date | null;
  summary: Record<string, unknown> | null;
  verified: boolean | null;
  unverified_reasons: string[];
  failure_type: string | null;
  failure_message: string | null;
}

/** The ledger, newest first. */
export async function listRuns(pool: Pool, { limit, status }: { limit: number; status?: string }): Promise<RunRow[]> {
  const { rows } = await pool.query<LedgerRow>(
    `SELECT run_id, workflow_id, mode, status, started_at, finished_at, summary, verified, unverified_reasons, failure_type, failure_message
     FROM sync_runs WHERE ($1::text IS NULL OR status = $1) ORDER BY started_at DESC LIMIT $2`,
    [status ?? null, limit],
  );
  return rows.map((r) => {
    const count = (key: string) => (typeof r.summary?.[key] === 'number' ? (r.summary[key] as number) : null);
    return {
      workflowId: r.workflow_id,
      runId: r.run_id,
      mode: r.mode,
      status: r.status,
      verified: r.verified,
      removalBrakeTripped: r.summary?.brakeTripped === true,
      startedAt: r.started_at.toISOString(),
      finishedAt: r.finished_at?.toISOString() ?? null,
      durationSeconds: r.finished_at ? Math.round((r.finished_at.getTime() - r.started_at.getTime()) / 100) / 10 : null,
      carsSeen: count('carsSeen'),
      inserted: count('inserted'),
      updated: count('updated'),
      removed: count('removed'),
      rejected: count('rejected'),
      unverifiedReasons: r.unverified_reasons,
      failure: r.failure_type ? failureWithFix(r.failure_type, r.failure_message ?? '') : null,
    };
  });
}

export function formatRuns(runs: RunRow[]): string {
  if (runs.length === 0) return 'no runs recorded';
  const header = ['id', 'mode', 'status', 'start', 'duration s', 'seen', 'inserted', 'updated', 'removed', 'rejected'];
  const table = runs.map((r) => [
    r.workflowId,
    r.mode,
    r.status + (r.removalBrakeTripped ? ' (brake tripped)' : ''),
    r.startedAt.replace(/\.\d+Z$/, 'Z'),
    r.durationSeconds?.toFixed(1) ?? '-',
    ...[r.carsSeen, r.inserted, r.updated, r.removed, r.rejected].map((n) => (n === null ? '-' : String(n))),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [
    line(header),
    ...table.flatMap((row, i) => {
      const failure = runs[i].failure;
      return failure ? [line(row), `    ${failure.type}: ${failure.message}`] : [line(row)];
    }),
  ].join('\n');
}

/** `rejects --json`: each reason with how many kept records give it, and the latest records. */
export interface RejectsReport {
  run: string | null;
  total: number;
  reasons: { reason: string; count: number }[];
  examples: { carId: number | null; runId: string; seenAt: string; reasons: string[]; payload: string }[];
}

/** How much of a reject's payload an example shows. */
const EXAMPLE_PAYLOAD_CHARS = 300;

/** Kept rejects, of one run (a run or workflow id: the run that first saw them) or of all. */
export async function rejectsReport(pool: Pool, { run, limit }: { run?: string; limit: number }): Promise<RejectsReport> {
  const where = `($1::text IS NULL OR run_id = $1 OR run_id IN (SELECT run_id FROM sync_runs WHERE workflow_id = $1))`;
  const params = [run ?? null];
  const [total, reasons, examples] = await Promise.all([
    pool.query<{ n: string }>(`SELECT count(*) AS n FROM car_rejects WHERE ${where}`, params),
    pool.query<{ reason: string; n: string }>(
      `SELECT reason, count(*) AS n FROM car_rejects, unnest(reasons) AS reason WHERE ${where} GROUP BY reason ORDER BY n DESC, reason`,
      params,
    ),
    pool.query<{ car_id: string | null; run_id: string; seen_at: Date; reasons: string[]; payload: string }>(
      `SELECT car_id, run_id, seen_at, reasons, left(payload::text, ${EXAMPLE_PAYLOAD_CHARS}) AS payload
       FROM car_rejects WHERE ${where} ORDER BY seen_at DESC, id DESC LIMIT $2`,
      [...params, limit],
    ),
  ]);
  return {
    run: run ?? null,
    total: Number(total.rows[0].n),
    reasons: reasons.rows.map((r) => ({ reason: r.reason, count: Number(r.n) })),
    examples: examples.rows.map((r) => ({
      carId: r.car_id === null ? null : Number(r.car_id),
      runId: r.run_id,
      seenAt: r.seen_at.toISOString(),
      reasons: r.reasons,
      payload: r.payload,
    })),
  };
}

export function formatRejects(report: RejectsReport): string {
  if (report.total === 0) return `no rejects kept${report.run ? ` for ${report.run}` : ''}`;
  const reasons = report.reasons.map((r) => `  ${String(r.count).padStart(7)}  ${r.reason}`);
  const examples = report.examples.map((e) => `  car ${e.carId ?? '(no usable id)'} seen ${e.seenAt}: ${e.reasons.join('; ')}\n    ${e.payload}`);
  return [`${report.total} rejected record(s) kept; reasons:`, ...reasons, 'latest:', ...examples].join('\n');
}
