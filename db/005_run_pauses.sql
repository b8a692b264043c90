-- Whether a run is paused, as its workflow last recorded it: every upstream request of the run checks
-- this first, so a pause holds on every worker, including one that started after it. `seq` orders the
-- records, so a late pause cannot undo a later resume. Rows of closed runs are cleared by the next run.
CREATE TABLE sync_run_pauses (
  run_id      text        PRIMARY KEY,
  seq         integer     NOT NULL,
  paused      boolean     NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
