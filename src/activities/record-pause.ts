import type { ActivityDeps } from './deps';

export interface RecordPauseInput {
  runId: string;
  paused: boolean;
  /** The workflow numbers its pauses and resumes: a record never replaces a later one, whatever order they land in. */
  seq: number;
}

/** Records that a run is paused or resumed. Every upstream request of the run checks this before it starts. */
export function createRecordPause({ pool }: ActivityDeps) {
  return async function recordPause({ runId, paused, seq }: RecordPauseInput): Promise<void> {
    await pool.query(
      `INSERT INTO sync_run_pauses (run_id, seq, paused) VALUES ($1, $2, $3)
       ON CONFLICT (run_id) DO UPDATE SET seq = EXCLUDED.seq, paused = EXCLUDED.paused, recorded_at = now()
       WHERE sync_run_pauses.seq < EXCLUDED.seq`,
      [runId, seq, paused],
    );
  };
}
