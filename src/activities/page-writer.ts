import type { Pool, PoolClient } from 'pg';
import { MIRRORED_FIELDS, type Car, type MirroredField } from '../car';
import { addCounts, type PageCounts } from '../sync-types';
import { inTransaction } from '../db/transaction';
import { DatabaseError } from '../errors';
import { hashOfMirrored, mirroredJson, payloadHash, plainMirroredJson } from './car-hash';
import { arrayLiteral, PageRows, RowArray } from './page-rows';
import { checkRecord, isPlainCar, storablePayload, usableId } from './car-schema';

export interface Reject {
  carId: number | null;
  payload: unknown;
  reasons: string[];
}

/**
 * A page's records with usable ids (the first with each id on its page), in page order, hashed as
 * received. A plain car (see isPlainCar) is kept only as its upsert row, off the V8 heap (see
 * PageRows); any other record is kept as it is, validated only if it is new or changed. A page lives
 * across several young-generation collections before its write, so whatever it keeps on the heap is
 * promoted and waits for a full collection: its parsed records alone were about 20 objects a car.
 */
export interface HashedRecords {
  ids: number[];
  /** Each plain car's row, with its hash, and an empty row for any other record. */
  rows: PageRows;
  /** The records that are not plain cars, by position on the page, with their hashes. */
  others: Map<number, { record: Record<string, unknown>; hash: string }>;
}

export interface PageWrite {
  runId: string;
  /** Validated only when new or changed: a record whose hash matches its stored row is the stored car. */
  records: HashedRecords;
  /** Records already found invalid (no usable id, an id seen earlier on the page, or too deeply nested to hash). */
  rejects: Reject[];
  batchSize: number;
  /** The ids of the page's records, valid or not. */
  seenIds: ReadonlySet<number>;
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
  records: HashedRecords;
  rejects: Reject[];
  /** The ids of the page's records, valid or not. */
  seenIds: ReadonlySet<number>;
}

/**
 * Hashes each record with a usable id as received, the first with that id on its page; the writer
 * validates only those new or changed since stored. Every other element of `data` (null, not an
 * object, no usable id, a repeated id, nested too deeply to hash) is a reject with its reasons.
 */
export function classifyRecords(data: readonly unknown[]): PageRecords {
  const ids: number[] = [];
  const rows = new PageRows();
  const others: HashedRecords['others'] = new Map();
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
      if (isPlainCar(record)) {
        rows.addMirrored(id, plainMirroredJson(record));
      } else {
        const json = mirroredJson(record as Record<string, unknown>);
        if (json === null) {
          rejects.push({ carId: id, payload: record, reasons: ['record: nested too deeply to serialise'] });
          continue;
        }
        others.set(ids.length, { record: record as Record<string, unknown>, hash: hashOfMirrored(json) });
        rows.addNone();
      }
      ids.push(id);
    }
  }
  const records = { ids, rows, others };
  return { records, rejects, seenIds };
}

// For a page that proves no interval (see LISTED_SQL for the others). Ids and hashes only: most pages of
// a re-sync are unchanged, and this answers them without shipping the cars. It answers the changed
// records' positions on the page (from 1), in one array. The subquery looks each id up by primary key:
// written as a join, it was planned as a hash join over all of `cars`, and a re-sync of 50k cars cost
// PostgreSQL 25 µs a car instead of 6.
const CHANGED_SQL = `
SELECT array_agg(i.n::int) AS changed FROM unnest($1::bigint[], $2::text[]) WITH ORDINALITY AS i(id, data_hash, n)
WHERE (SELECT c.data_hash FROM cars c WHERE c.id = i.id AND c.removed_at IS NULL) IS DISTINCT FROM i.data_hash`;

/**
 * More listed cars than this in a page's interval (only a page beside many cars gone upstream has
 * them) are not sent to the worker: the page then takes the per-id probe and CANDIDATES_SQL.
 */
const MAX_LISTED = 5_000;

// The listed cars of a covered page's id interval (of its makes, when filtered), at most MAX_LISTED + 1:
// their ids, and their hashes in the same order (each row goes through both aggregates). One range scan
// answers both which of the page's records changed and whether stored cars are missing from it:
// looking up each of its ids (CHANGED_SQL) cost PostgreSQL several times as much. A car stored under
// another make is left out, which is exact: its hash covers its make, so it has changed. Unfiltered,
// the scan reads cars_listed_hash_idx alone. OFFSET 0 keeps the planner on an index for the id range:
// left alone, a make filter had it AND in a scan of the whole listing index (partial on removed_at IS
// NULL), which cost 14 ms a page instead of 1 at 200k cars.
const listedSql = (filtered: boolean) => `
SELECT string_agg(id::text, ',') AS ids, string_agg(data_hash, ',') AS hashes FROM (
  SELECT c.id, c.data_hash
  FROM (SELECT id, data_hash${filtered ? ', make' : ''} FROM cars WHERE id > $1 AND ($2::bigint IS NULL OR id <= $2) AND removed_at IS NULL OFFSET 0) c${
    filtered ? ' WHERE c.make = ANY($3::text[])' : ''
  }
  LIMIT ${MAX_LISTED + 1}
) l`;
const LISTED_SQL = listedSql(false);
const FILTERED_LISTED_SQL = listedSql(true);

/** Each mirrored field's column in `cars` (`updated_at` is stored as `source_updated_at`) and its type. */
const COLUMNS: Record<MirroredField, { column: string; type: string }> = {
  make: { column: 'make', type: 'text' },
  model: { column: 'model', type: 'text' },
  trim: { column: '"trim"', type: 'text' },
  year: { column: 'year', type: 'integer' },
  price: { column: 'price', type: 'bigint' },
  currency: { column: 'currency', type: 'text' },
  mileage_km: { column: 'mileage_km', type: 'bigint' },
  fuel: { column: 'fuel', type: 'text' },
  transmission: { column: 'transmission', type: 'text' },
  color: { column: 'color', type: 'text' },
  body_type: { column: 'body_type', type: 'text' },
  vin: { column: 'vin', type: 'text' },
  location: { column: 'location', type: 'text' },
  lot_number: { column: 'lot_number', type: 'text' },
  images: { column: 'images', type: 'jsonb' },
  status: { column: 'status', type: 'text' },
  listed_at: { column: 'listed_at', type: 'timestamptz' },
  updated_at: { column: 'source_updated_at', type: 'timestamptz' },
};
const MIRRORED = MIRRORED_FIELDS.map((field) => COLUMNS[field]);
/** What car_changes.fields names: the columns, unquoted. */
const fieldName = (column: string) => column.replaceAll('"', '');
/** The stored value of a column as `paired` (in UPSERT_SQL) names it. */
const stored = (column: string) => `old_${fieldName(column)}`;
const differs = (column: string) => `${stored(column)} IS DISTINCT FROM ${column}`;
const allColumns = ['id', ...MIRRORED.map((c) => c.column), 'data_hash'];

/** A row as the upsert reads it, as JSON: id, the mirrored fields in MIRRORED_FIELDS order, then the hash. */
function rowJson(car: Car, hash: string): string {
  const row: unknown[] = [car.id];
  for (const field of MIRRORED_FIELDS) row.push(car[field]);
  row.push(hash);
  return JSON.stringify(row);
}

// Rows arrive as one JSON array of arrays (see RowArray), read as jsonb: PostgreSQL parses it once and reads each field
// by position, in under half the time json_to_recordset takes to read objects (as json, each field read
// would parse its row again). Receives only the rows compareWithStored picked, so unchanged cars are
// neither written nor locked, and records each write in car_changes. Every part of one statement reads
// the same snapshot: `paired` holds each row beside its stored version (nulls for a new car) as it was
// before the upsert. The changes and counts read `paired` rather than the writes' RETURNING, which
// would copy every written row again.
const UPSERT_SQL = `
WITH incoming AS (
  SELECT (r->>0)::bigint AS id,
    ${MIRRORED.map((c, i) => (c.type === 'jsonb' ? `r->${i + 1} AS ${c.column}` : `(r->>${i + 1})::${c.type} AS ${c.column}`)).join(', ')},
    r->>${MIRRORED.length + 1} AS data_hash
  FROM jsonb_array_elements($1::text::jsonb) AS r
),
paired AS (
  SELECT i.*, o.id AS old_id, o.removed_at AS old_removed_at, ${MIRRORED.map((c) => `o.${c.column} AS ${stored(c.column)}`).join(', ')}
  FROM incoming i LEFT JOIN cars o ON o.id = i.id
),
-- New cars go in by plain INSERT: ON CONFLICT's speculative insertion cost 3 of PostgreSQL's 24 µs a
-- car on a cold sync. A concurrent writer of the same new id (a timed-out attempt at the same page,
-- still running) makes this statement fail on the primary key, and the page is retried.
inserted AS (
  INSERT INTO cars (${allColumns.join(', ')})
  SELECT ${allColumns.join(', ')} FROM paired WHERE old_id IS NULL
),
updated AS (
  UPDATE cars c SET
    ${allColumns
      .slice(1)
      .map((c) => `${c} = p.${c}`)
      .join(', ')},
    removed_at = NULL, synced_at = now()
  FROM paired p WHERE p.old_id IS NOT NULL AND c.id = p.id
),
changes AS (
  INSERT INTO car_changes (run_id, car_id, kind, fields, old_price, new_price, old_status, new_status)
  SELECT $2, id, kind, fields, old_price, price, old_status, status
  -- OFFSET 0 keeps the subquery whole, so the filter reads each row's fields instead of comparing them again.
  FROM (
    SELECT id, old_price, price, old_status, status,
      CASE WHEN old_id IS NULL THEN 'inserted' WHEN old_removed_at IS NOT NULL THEN 'relisted' ELSE 'updated' END AS kind,
      CASE WHEN old_id IS NULL THEN '{}' ELSE array_remove(ARRAY[${MIRRORED.map((c) => `CASE WHEN ${differs(c.column)} THEN '${fieldName(c.column)}' END`).join(', ')}], NULL) END AS fields
    FROM paired OFFSET 0
  ) d
  -- A hash that changed with no mirrored field (a field the rule cleans, say) is no change to report.
  WHERE kind <> 'updated' OR fields <> '{}'
)
SELECT count(*) FILTER (WHERE old_id IS NULL) AS inserted, count(*) AS written FROM paired`;

// A payload that is JSON null arrives as SQL NULL: it is stored as the JSON null it was.
const REJECTS_SQL = `
INSERT INTO car_rejects (car_id, payload, reasons, payload_hash, run_id)
SELECT r.car_id, COALESCE(r.payload, 'null'), r.reasons, r.payload_hash, $2
FROM json_to_recordset($1::json) AS r(car_id bigint, payload jsonb, reasons text[], payload_hash text)
ON CONFLICT (payload_hash) DO NOTHING`;

/**
 * The listed cars of the page's id interval (of its makes, when filtered) that the page did not return,
 * as removal candidates. Run only when LISTED_SQL found some, or could not tell. OFFSET 0 as in LISTED_SQL.
 */
const candidatesSql = (filtered: boolean) => `
INSERT INTO sync_removal_candidates (run_id, car_id)
SELECT $1, c.id
FROM (SELECT ${filtered ? 'id, make, synced_at' : 'id'} FROM cars WHERE id > $2 AND ($3::bigint IS NULL OR id <= $3) AND removed_at IS NULL OFFSET 0) c
WHERE c.id <> ALL($4::bigint[])${
  filtered
    ? `
  AND c.make = ANY($5::text[])
  -- A car last seen invalid may have lost its make: a make filter not returning it proves nothing.
  AND NOT EXISTS (SELECT 1 FROM car_rejects r WHERE r.car_id = c.id AND r.seen_at > c.synced_at)
  -- Nor one whose make was cleaned (see storableText): the upstream's make is not the stored one.
  AND strpos(c.make, chr(65533)) = 0`
    : ''
}
ON CONFLICT DO NOTHING`;
const CANDIDATES_SQL = candidatesSql(false);
const FILTERED_CANDIDATES_SQL = candidatesSql(true);

const ANOMALY_SQL = `INSERT INTO sync_run_anomalies (run_id, reason) VALUES ($1, $2) ON CONFLICT DO NOTHING`;

const CURSOR_SQL = `
INSERT INTO sync_page_cursors (run_id, activity, after_id, done, counts) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (run_id, activity) DO UPDATE SET after_id = EXCLUDED.after_id, done = EXCLUDED.done, counts = EXCLUDED.counts`;

/** Where a syncPages activity got to, as its last committed page left it; null before its first page. */
export async function committedCursor(pool: Pool, runId: string, activity: string): Promise<Cursor | null> {
  const sql = 'SELECT after_id, done, counts FROM sync_page_cursors WHERE run_id = $1 AND activity = $2';
  const { rows } = await inDatabase('reading the page cursor', () =>
    pool.query<{ after_id: string; done: boolean; counts: PageCounts }>(sql, [runId, activity]),
  );
  const row = rows[0];
  return row ? { afterId: Number(row.after_id), done: row.done, counts: row.counts } : null;
}

/**
 * Writes one fetched page in one transaction, and returns its counts. Idempotent: every write is
 * keyed on the upstream id or payload. Every record is stored or rejected, so the transaction fails
 * only for the database's own reasons, as a DatabaseError.
 */
export async function writePage(pool: Pool, page: PageWrite): Promise<PageCounts> {
  return inDatabase('writing a page', () =>
    inTransaction(pool, async (client) => {
      const { ids, rows, others } = page.records;
      const { isChanged, missing } = await compareWithStored(client, page.records, page.coverage, page.seenIds);
      const changedCount = isChanged.reduce((sum, flag) => sum + flag, 0);
      const rejects = [...page.rejects];
      let inserted = 0;
      let updated = 0;
      const batch = new RowArray();
      const upsert = async () => {
        const counts = await upsertRows(client, page.runId, batch.json());
        batch.clear();
        inserted += counts.inserted;
        updated += counts.updated;
      };
      try {
        for (let i = 0; i < ids.length; i++) {
          if (!isChanged[i]) continue;
          const other = others.get(i);
          // A plain car is stored as received: its row is its id, the fields its hash covers, and the hash.
          if (other === undefined) {
            batch.add(rows.row(i));
          } else {
            const check = checkRecord(other.record);
            if (!check.ok) {
              rejects.push({ carId: ids[i], payload: other.record, reasons: check.reasons });
              continue;
            }
            batch.add(rowJson(check.car, other.hash));
          }
          if (batch.count === page.batchSize) await upsert();
        }
        if (batch.count > 0) await upsert();
      } finally {
        batch.release();
      }
      if (rejects.length > 0) {
        const rejectRows = rejects.map((r) => {
          const payload = storablePayload(r.payload, page.redact);
          return { car_id: r.carId, payload, reasons: r.reasons, payload_hash: payloadHash(payload) };
        });
        await client.query(REJECTS_SQL, [JSON.stringify(rejectRows), page.runId]);
      }
      if (page.coverage && missing) {
        const { afterId, throughId, makes } = page.coverage;
        const seen = arrayLiteral([...page.seenIds]);
        if (makes === null) await client.query(CANDIDATES_SQL, [page.runId, afterId, throughId, seen]);
        else await client.query(FILTERED_CANDIDATES_SQL, [page.runId, afterId, throughId, seen, makes]);
      }
      if (page.anomaly !== null) await client.query(ANOMALY_SQL, [page.runId, page.anomaly]);
      if (page.withdrawSeen) {
        await client.query('DELETE FROM sync_removal_candidates WHERE run_id = $1 AND car_id = ANY($2::bigint[])', [
          page.runId,
          arrayLiteral([...page.seenIds]),
        ]);
      }
      const counts: PageCounts = {
        pages: 1,
        carsSeen: ids.length + page.rejects.length,
        inserted,
        updated,
        unchanged: ids.length - changedCount,
        rejected: rejects.length,
        retries: 0,
        anomalies: page.anomaly === null ? 0 : 1,
      };
      const { activity, afterId, done, carried } = page.cursor;
      await client.query(CURSOR_SQL, [page.runId, activity, afterId, done, JSON.stringify(addCounts(carried, counts))]);
      return counts;
    }),
  );
}

/**
 * Which of the page's records are new or changed since stored (1 at their positions), and, for a
 * covered page, whether listed cars of its interval may be missing from it.
 */
async function compareWithStored(
  client: PoolClient,
  { ids, rows, others }: HashedRecords,
  coverage: PageWrite['coverage'],
  seen: ReadonlySet<number>,
): Promise<{ isChanged: Uint8Array; missing: boolean }> {
  const isChanged = new Uint8Array(ids.length);
  const listed = coverage && (await listedCars(client, coverage));
  if (!listed) {
    if (ids.length > 0) {
      const hashes = ids.map((_, i) => others.get(i)?.hash ?? rows.hash(i));
      const { rows: answer } = await client.query<{ changed: number[] | null }>(CHANGED_SQL, [arrayLiteral(ids), arrayLiteral(hashes)]);
      for (const n of answer[0].changed ?? []) isChanged[n - 1] = 1;
    }
    return { isChanged, missing: coverage !== undefined };
  }
  for (let i = 0; i < ids.length; i++) {
    const stored = listed.get(ids[i]);
    const other = others.get(i);
    const same = stored !== undefined && (other === undefined ? rows.hashIs(i, stored) : other.hash === stored);
    if (!same) isChanged[i] = 1;
  }
  return { isChanged, missing: [...listed.keys()].some((id) => !seen.has(id)) };
}

/** The listed cars of a covered page's id interval (see LISTED_SQL), by id, with their hashes; null when more than MAX_LISTED. */
async function listedCars(client: PoolClient, { afterId, throughId, makes }: NonNullable<PageWrite['coverage']>): Promise<Map<number, string> | null> {
  const { rows } = await client.query<{ ids: string | null; hashes: string | null }>(
    makes === null ? LISTED_SQL : FILTERED_LISTED_SQL,
    makes === null ? [afterId, throughId] : [afterId, throughId, makes],
  );
  const listed = new Map<number, string>();
  const { ids, hashes } = rows[0];
  if (ids === null || hashes === null) return listed;
  const idList = ids.split(',');
  if (idList.length > MAX_LISTED) return null;
  const hashList = hashes.split(',');
  // Every hash carsync writes is base64url, which has no comma. A stored one with a comma (written by
  // something else) leaves the lists unaligned: the page's cars are then all taken as changed, and rewritten.
  const aligned = idList.length === hashList.length;
  for (let i = 0; i < idList.length; i++) listed.set(Number(idList[i]), aligned ? hashList[i] : '');
  return listed;
}

/** Runs `work`, reporting any failure as the database's: the upstream is not to blame for it. */
async function inDatabase<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const { code, constraint } = err as { code?: string; constraint?: string };
    // New cars are inserted without ON CONFLICT (see UPSERT_SQL): only a concurrent write of the same page gets here.
    if (code === '23505' && constraint === 'cars_pkey') {
      throw new DatabaseError(
        `database refused ${what}: another attempt at the same page, still running past its timeout, inserted the same new cars first; the page is retried`,
      );
    }
    throw new DatabaseError(`database failed ${what}: ${err instanceof Error ? err.message : String(err)}; check DATABASE_URL and the database server`);
  }
}

async function upsertRows(client: PoolClient, runId: string, rows: Buffer): Promise<{ inserted: number; updated: number }> {
  const result = await client.query<{ inserted: string; written: string }>(UPSERT_SQL, [rows, runId]);
  const inserted = Number(result.rows[0].inserted);
  return { inserted, updated: Number(result.rows[0].written) - inserted };
}
