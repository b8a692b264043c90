-- Why a failed run failed: the root cause's class (the Temporal failure type) and its redacted message.
ALTER TABLE sync_runs ADD COLUMN failure_type text;
ALTER TABLE sync_runs ADD COLUMN failure_message text;
CREATE INDEX sync_runs_started_at_idx ON sync_runs (started_at DESC);

-- One row per change a run made to `cars`, written in the same transaction as the change, so consumers
-- read what changed without diffing the table. `fields` names the mirrored fields that changed (empty
-- for inserted and removed cars); price and status carry their old and new values.
CREATE TABLE car_changes (
  run_id     text        NOT NULL,
  car_id     bigint      NOT NULL,
  kind       text        NOT NULL CHECK (kind IN ('inserted', 'updated', 'removed', 'relisted')),
  fields     text[]      NOT NULL DEFAULT '{}',
  old_price  bigint,
  new_price  bigint,
  old_status text,
  new_status text,
  changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX car_changes_car_id_idx ON car_changes (car_id);
CREATE INDEX car_changes_run_id_idx ON car_changes (run_id);
-- Rows arrive in time order: a BRIN index serves "changes since" and retention for almost nothing per insert.
CREATE INDEX car_changes_changed_at_idx ON car_changes USING brin (changed_at);
CREATE INDEX car_rejects_seen_at_idx ON car_rejects USING brin (seen_at);

-- How fresh the mirror is, in one row: the last completed (verified) full and incremental runs and their
-- age, the listed cars, the last failed run, and whether the last closed full run tripped the removal brake.
CREATE VIEW carsync_freshness AS
SELECT
  f.run_id                     AS last_full_run_id,
  f.finished_at                AS last_full_finished_at,
  now() - f.finished_at        AS last_full_age,
  i.run_id                     AS last_incremental_run_id,
  i.finished_at                AS last_incremental_finished_at,
  now() - i.finished_at        AS last_incremental_age,
  (SELECT count(*) FROM cars WHERE removed_at IS NULL) AS listed_cars,
  x.run_id                     AS last_failure_run_id,
  x.finished_at                AS last_failure_at,
  x.failure_type               AS last_failure_type,
  x.failure_message            AS last_failure_message,
  COALESCE((b.summary ->> 'brakeTripped')::boolean, false) AS removal_brake_tripped
FROM (SELECT 1) AS one
LEFT JOIN LATERAL (SELECT * FROM sync_runs WHERE mode = 'full' AND status = 'completed' ORDER BY finished_at DESC LIMIT 1) f ON true
LEFT JOIN LATERAL (SELECT * FROM sync_runs WHERE mode = 'incremental' AND status = 'completed' ORDER BY finished_at DESC LIMIT 1) i ON true
LEFT JOIN LATERAL (SELECT * FROM sync_runs WHERE status IN ('failed', 'terminated') ORDER BY finished_at DESC NULLS LAST LIMIT 1) x ON true
LEFT JOIN LATERAL (SELECT * FROM sync_runs WHERE mode = 'full' AND status IN ('completed', 'unverified') ORDER BY finished_at DESC LIMIT 1) b ON true;
