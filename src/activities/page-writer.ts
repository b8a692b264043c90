import type { Pool, PoolClient } from 'pg';
import type { Car } from '../car';
import { addCounts, type PageCounts } from '../sync-types';
import { inTransaction } from '../db/transaction';
import { DatabaseError } from '../errors';
import { payloadHash, recordHash } from './car-hash';
import { checkRecord, storablePayload, usableId } from './car-schema';

export interface Reject {
  carId: number | null;
  payload: unknown;
  reasons: string[];
}

/** A record with a usable id, the first with that id on its page, and the hash of its mirrored fields. */
export interface HashedRecord {
  id: number;
  hash: string;
  record: Record<string, unknown>;
}

export interface PageWrite {
  runId: string;
  /** Validated only when new or changed: a record whose hash matches its stored row is the stored car. */
  records: HashedRecord[];
  /** Records already found invalid (no usable id, an id seen earlier on the page, or too deeply nested to hash). */
  rejects: Reject[];
  batchSize: number;
  /** The ids of the page's records, valid or not. */
  seenIds: number[];
  /**
   * The id interval this page proves complete, (afterId, throughId] (throughId null: no upper bound).
   * Listed cars of `cars` in it that the page did not return are recorded as removal candidates.
   * Absent for passes that read only changed cars, which cannot tell unlisted from unchanged.
   */
  coverage?: {
    afterId: number;
    throughId: number | null;
    /** The makes the page was filtered to, null for all: only cars of these makes can be missing from it. */
    makes: string[] | null;
  };
  /** The contract rule the page broke (see page-contract.ts), kept with the run so that it ends unverified. */
  anomaly: string | null;
  /** Withdraw removal candidates of this run for the cars the page saw (an earlier attempt or pass may have recorded them). */
  withdrawSeen: boolean;
  /** Committed with the page: where the activity got to, and its counts so far (`carried` plus this page). */
  cursor: { activity: string; afterId: number; done: boolean; carried: PageCounts };
  /** The API client's `redact`: every string and key of a reject's payload goes through it before it is stored. */
  redact: (text: string) => string;
}

/** Where a syncPages activity got to: the cursor to go on from, and its counts so far. */
export interface Cursor {
  afterId: number;
  done: boolean;
  counts: PageCounts;
}

/** A page's records, sorted before its write (see classifyRecords). */
export interface PageRecords {
  records: HashedRecord[];
  rejects: Reject[];
  /** The ids of the page's records, valid or not. */
  seenIds: Set<number>;
}

/**
 * Hashes each record with a usable id as received, the first with that id on its page; the writer
 * validates only those new or changed since stored. Every other element of `data` (null, not an
 * object, no usable id, a repeated id, nested too deeply to hash) is a reject with its reasons.
 */
export function classifyRecords(data: readonly unknown[]): PageRecords {
  const records: HashedRecord[] = [];
  const rejects: Reject[] = [];
  const seenIds = new Set<number>();
  for (const record of data) {
    const id = usableId(record);
    if (id === null) {
      const check = checkRecord(record);
      rejects.push({ carId: null, payload: record, reasons: check.ok ? ['id: not usable'] : check.reasons });
    } else if (seenIds.has(id)) {
      rejects.push({ carId: id, payload: record, reasons: ['id: appears twice on one page'] });
    } else {
      seenIds.add(id);
      const hash = recordHash(record as Record<string, unknown>);
      if (hash === null) rejects.push({ carId: id, payload: record, reasons: ['record: nested too deeply to serialise'] });
      else records.push({ id, hash, record: record as Record<string, unknown> });
    }
  }
  return { records, rejects, seenIds };
}

// Ids and hashes only: most pages of a re-sync are unchanged, and this answers them without shipping the cars.
const CHANGED_IDS_SQL = `
SELECT i.id FROM unnest($1::bigint[], $2::text[]) AS i(id, data_hash)
LEFT JOIN cars c ON c.id = i.id
WHERE c.id IS NULL OR c.data_hash <> i.data_hash OR c.removed_at IS NOT NULL`;

/** The mirrored columns of `cars` (`updated_at` is stored as `source_updated_at`): what car_changes.fields names. */
const CAR_COLUMNS = [
  'make', 'model', 'trim', 'year', 'price', 'currency', 'mileage_km', 'fuel', 'transmission', 'color', 'body_type', 'vin',
  'location', 'lot_number', 'images', 'status', 'listed_at', 'source_updated_at',
] as const;
const quoted = (column: string) => (column === 'trim' ? '"trim"' : column);
const differs = (column: string) => `o.${quoted(column)} IS DISTINCT FROM w.${quoted(column)}`;

// Receives only the rows CHANGED_IDS_SQL picked, so unchanged cars are neither written nor locked, and
// records each write in car_changes. Every part of one statement reads the same snapshot: `old` is the
// rows as they were before the upsert.
const UPSERT_SQL = `
WITH incoming AS (
  SELECT * FROM json_to_recordset($1::json) AS r(
    id bigint, make text, model text, "trim" text, year integer, price bigint, currency text, mileage_km bigint,
    fuel text, transmission text, color text, body_type text, vin text, location text, lot_number text,
    images jsonb, status text, listed_at timestamptz, updated_at timestamptz, data_hash text)
),
old AS (SELECT c.* FROM cars c JOIN incoming i ON i.id = c.id),
written AS (
  INSERT INTO cars (id, make, model, "trim", year, price, currency, mileage_km, fuel, transmission, color, body_type,
    vin, location, lot_number, images, status, listed_at, source_updated_at, data_hash)
  SELECT id, make, model, "trim", year, price, currency, mileage_km, fuel, transmission, color, body_type,
    vin, location, lot_number, images, status, listed_at, updated_at, data_hash
  FROM incoming
  ON CONFLICT (id) DO UPDATE SET
    make = EXCLUDED.make, model = EXCLUDED.model, "trim" = EXCLUDED."trim", year = EXCLUDED.year,
    price = EXCLUDED.price, currency = EXCLUDED.currency, mileage_km = EXCLUDED.mileage_km, fuel = EXCLUDED.fuel,
    transmission = EXCLUDED.transmission, color = EXCLUDED.color, body_type = EXCLUDED.body_type, vin = EXCLUDED.vin,
    location = EXCLUDED.location, lot_number = EXCLUDED.lot_number, images = EXCLUDED.images, status = EXCLUDED.status,
    listed_at = EXCLUDED.listed_at, source_updated_at = EXCLUDED.source_updated_at, data_hash = EXCLUDED.data_hash,
    removed_at = NULL, synced_at = now()
  RETURNING cars.*
),
changes AS (
  INSERT INTO car_changes (run_id, car_id, kind, fields, old_price, new_price, old_status, new_status)
  SELECT $2, w.id,
    CASE WHEN o.id IS NULL THEN 'inserted' WHEN o.removed_at IS NOT NULL THEN 'relisted' ELSE 'updated' END,
    CASE WHEN o.id IS NULL THEN '{}' ELSE array_remove(ARRAY[${CAR_COLUMNS.map((c) => `CASE WHEN ${differs(c)} THEN '${c}' END`).join(', ')}], NULL) END,
    o.price, w.price, o.status, w.status
  FROM written w LEFT JOIN old o ON o.id = w.id
  -- A hash that changed with no mirrored field (a field the rule cleans, say) is no change to report.
  WHERE o.id IS NULL OR o.removed_at IS NOT NULL OR (${CAR_COLUMNS.map((c) => differs(c)).join(' OR ')})
)
SELECT (o.id IS NULL) AS inserted FROM written w LEFT JOIN old o ON o.id = w.id`;

// A payload that is JSON null arrives as SQL NULL: it is stored as the JSON null it was.
const REJECTS_SQL = `
INSERT INTO car_rejects (car_id, payload, reasons, payload_hash, run_id)
SELECT r.car_id, COALESCE(r.payload, 'null'), r.reasons, r.payload_hash, $2
FROM json_to_recordset($1::json) AS r(car_id bigint, payload jsonb, reasons text[], payload_hash text)
ON CONFLICT (payload_hash) DO NOTHING`;

const CANDIDATES_SQL = `
INSERT INTO sync_removal_candidates (run_id, car_id)
SELECT $1, c.id
-- OFFSET 0 keeps the planner on the primary key for the id range: left alone, it ANDs in a scan of the
-- whole listing index (partial on removed_at IS NULL), which cost 14 ms a page instead of 1 at 200k cars.
FROM (SELECT id, make, removed_at, synced_at FROM cars WHERE id > $2 AND ($3::bigint IS NULL OR id <= $3) OFFSET 0) c
WHERE c.removed_at IS NULL AND c.id <> ALL($4::bigint[])
  AND ($5::text[] IS NULL OR (c.make = ANY($5::text[])
    -- A car last seen invalid may have lost its make: a make filter not returning it proves nothing.
    AND NOT EXISTS (SELECT 1 FROM car_rejects r WHERE r.car_id = c.id AND r.seen_at > c.synced_at)
    -- Nor one whose make was cleaned (see storableText): the upstream's make is not the stored one.
    AND strpos(c.make, chr(65533)) = 0))
ON CONFLICT DO NOTHING`;

const ANOMALY_SQL = `INSERT INTO sync_run_anomalies (run_id, reason) VALUES ($1, $2) ON CONFLICT DO NOTHING`;

const CURSOR_SQL = `
INSERT INTO sync_page_cursors (run_id, activity, after_id, done, counts) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (run_id, activity) DO UPDATE SET after_id = EXCLUDED.after_id, done = EXCLUDED.done, counts = EXCLUDED.counts`;

/** Where a syncPages activity got to, as its last committed page left it; null before its first page. */
export async function committedCursor(pool: Pool, runId: string, activity: string): Promise<Cursor | null> {
  const sql = 'SELECT after_id, done, counts FROM sync_page_cursors WHERE run_id = $1 AND activity = $2';
  const { rows } = await inDatabase('reading the page cursor', () => pool.query<{ after_id: string; done: boolean; counts: PageCounts }>(sql, [runId, activity]));
  const row = rows[0];
  return row ? { afterId: Number(row.after_id), done: row.done, counts: row.counts } : null;
}

/**
 * Writes one fetched page in one transaction, and returns its counts. Idempotent: every write is
 * keyed on the upstream id or payload. Every record is stored or rejected, so the transaction fails
 * only for the database's own reasons, as a DatabaseError.
 */
export async function writePage(pool: Pool, page: PageWrite): Promise<PageCounts> {
  return inDatabase('writing a page', () => inTransaction(pool, async (client) => {
    const { records } = page;
    const changedIds = records.length
      ? new Set((await client.query<{ id: number | string }>(CHANGED_IDS_SQL, [records.map((r) => r.id), records.map((r) => r.hash)])).rows.map((r) => Number(r.id)))
      : new Set<number>();
    const rows: Row[] = [];
    const rejects = [...page.rejects];
    for (const { id, hash, record } of records) {
      if (!changedIds.has(id)) continue;
      const check = checkRecord(record);
      if (check.ok) rows.push({ ...check.car, data_hash: hash });
      else rejects.push({ carId: id, payload: record, reasons: check.reasons });
    }
    let inserted = 0;
    let updated = 0;
    for (let start = 0; start < rows.length; start += page.batchSize) {
      const counts = await upsertRows(client, page.runId, rows.slice(start, start + page.batchSize));
      inserted += counts.inserted;
      updated += counts.updated;
    }
    if (rejects.length > 0) {
      const rejectRows = rejects.map((r) => {
        const payload = storablePayload(r.payload, page.redact);
        return { car_id: r.carId, payload, reasons: r.reasons, payload_hash: payloadHash(payload) };
      });
      await client.query(REJECTS_SQL, [JSON.stringify(rejectRows), page.runId]);
    }
    if (page.coverage) {
      const { afterId, throughId, makes } = page.coverage;
      await client.query(CANDIDATES_SQL, [page.runId, afterId, throughId, page.seenIds, makes]);
    }
    if (page.anomaly !== null) await client.query(ANOMALY_SQL, [page.runId, page.anomaly]);
    if (page.withdrawSeen) {
      await client.query('DELETE FROM sync_removal_candidates WHERE run_id = $1 AND car_id = ANY($2::bigint[])', [page.runId, page.seenIds]);
    }
    const counts: PageCounts = {
      pages: 1,
      carsSeen: records.length + page.rejects.length,
      inserted,
      updated,
      unchanged: records.length - changedIds.size,
      rejected: rejects.length,
      retries: 0,
      anomalies: page.anomaly === null ? 0 : 1,
    };
    const { activity, afterId, done, carried } = page.cursor;
    await client.query(CURSOR_SQL, [page.runId, activity, afterId, done, JSON.stringify(addCounts(carried, counts))]);
    return counts;
  }));
}

/** Runs `work`, reporting any failure as the database's: the upstream is not to blame for it. */
async function inDatabase<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw new DatabaseError(`database failed ${what}: ${err instanceof Error ? err.message : String(err)}; check DATABASE_URL and the database server`);
  }
}

type Row = Car & { data_hash: string };

async function upsertRows(client: PoolClient, runId: string, rows: Row[]): Promise<{ inserted: number; updated: number }> {
  const result = await client.query<{ inserted: boolean }>(UPSERT_SQL, [JSON.stringify(rows), runId]);
  let inserted = 0;
  for (const row of result.rows) if (row.inserted) inserted++;
  return { inserted, updated: result.rows.length - inserted };
}
