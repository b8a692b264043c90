-- Whether a run proved its completeness, and why not when it did not. A run that read everything but
-- could not prove it has status 'unverified', so it is never taken for a completed one (nor used as
-- the incremental high-water mark). Runs closed before this migration were never checked: null.
ALTER TABLE sync_runs ADD COLUMN verified boolean;
ALTER TABLE sync_runs ADD COLUMN unverified_reasons text[] NOT NULL DEFAULT '{}';

-- Pages of a running sync that broke the API contract, one row per page and rule, written in the
-- page's transaction. finishRun turns them into the run's reasons; rows live as long as their run.
CREATE TABLE sync_run_anomalies (
  run_id text NOT NULL,
  reason text NOT NULL,
  seen_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, reason)
);
