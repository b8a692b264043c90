-- The mirror of the upstream listings, one row per car id ever seen.
CREATE TABLE cars (
  id                bigint PRIMARY KEY,
  make              text        NOT NULL,
  model             text        NOT NULL,
  "trim"            text,
  year              integer     NOT NULL,
  price             bigint      NOT NULL,
  currency          text        NOT NULL,
  mileage_km        bigint      NOT NULL,
  fuel              text        NOT NULL,
  transmission      text        NOT NULL,
  color             text,
  body_type         text,
  vin               text,
  location          text,
  lot_number        text,
  images            jsonb       NOT NULL,
  status            text        NOT NULL,
  listed_at         timestamptz NOT NULL,
  source_updated_at timestamptz NOT NULL,
  -- Hash of every mirrored field: a write happens only when it differs.
  data_hash         text        NOT NULL,
  -- Set by a complete full sync that no longer saw the car listed; cleared when it is listed again.
  removed_at        timestamptz,
  first_synced_at   timestamptz NOT NULL DEFAULT now(),
  synced_at         timestamptz NOT NULL DEFAULT now()
);

-- The marketplace's own reads: filtered listings by make and model, newest first.
CREATE INDEX cars_make_model_idx ON cars (make, model, price) WHERE removed_at IS NULL;

-- Invalid upstream records, kept aside with the reasons. One row per distinct invalid payload.
CREATE TABLE car_rejects (
  id           bigserial PRIMARY KEY,
  car_id       bigint,
  payload      jsonb       NOT NULL,
  reasons      text[]      NOT NULL,
  payload_hash text        NOT NULL UNIQUE,
  run_id       text        NOT NULL,
  seen_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX car_rejects_car_id_idx ON car_rejects (car_id);

-- The run ledger: one row per sync run, for SQL users and for incremental high-water marks.
CREATE TABLE sync_runs (
  run_id          text PRIMARY KEY,
  workflow_id     text        NOT NULL,
  mode            text        NOT NULL,
  status          text        NOT NULL,
  started_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz,
  max_id          bigint,
  high_water_mark timestamptz,
  summary         jsonb
);
CREATE INDEX sync_runs_mode_status_idx ON sync_runs (mode, status, finished_at DESC);

-- Cars a running full sync found unlisted: applied as removals only when the whole run completes.
CREATE TABLE sync_removal_candidates (
  run_id text   NOT NULL,
  car_id bigint NOT NULL,
  PRIMARY KEY (run_id, car_id)
);
