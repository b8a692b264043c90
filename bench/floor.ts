import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs, promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { request } from 'undici';
import { MIRRORED_FIELDS, type Car } from '../src/car';

/**
 * The floor a sync of the listing cannot beat on this host: every page fetched over the same lanes
 * with gunzip and `JSON.parse` only, then one `COPY` of the rows into an unlogged table of the same
 * columns and no index. No validation, change detection, upsert or orchestration: the bench prints
 * the cold sync's wall time as a multiple of this.
 */

/** The id and the mirrored fields, in the order of the `floor_cars` columns below (`updated_at` is stored as `source_updated_at`). */
const FIELDS = ['id', ...MIRRORED_FIELDS] as const;
// A field added to Car without a column here fails the type check.
const everyField: Exclude<keyof Car, (typeof FIELDS)[number]> extends never ? true : never = true;
void everyField;
const COLUMNS = FIELDS.map((f) => (f === 'updated_at' ? 'source_updated_at' : f === 'trim' ? '"trim"' : f));

export interface FloorOptions {
  apiUrl: string;
  apiKey: string;
  databaseUrl: string;
  lanes: number;
  perPage: number;
}

export interface FloorResult {
  cars: number;
  pages: number;
  /** Rows the COPY stored: every record that PostgreSQL's column types take. */
  copiedRows: number;
  /** Fetching, gunzip and parsing every page, then the COPY: the two phases one after the other. */
  fetchSeconds: number;
  copySeconds: number;
  /** This process's CPU over both phases. */
  cpuSeconds: number;
}

const gunzipAsync = promisify(gunzip);

/** Text-format COPY: backslash, tab, newline and carriage return escaped; PostgreSQL's text holds no U+0000. */
function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.replace(/[\\\t\n\r\0]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '' })[c]!);
}

export async function floorSync(options: FloorOptions): Promise<FloorResult> {
  const headers = { authorization: `Bearer ${options.apiKey}`, accept: 'application/json', 'accept-encoding': 'gzip' };
  const fetchPage = async (page: number): Promise<{ data: Record<string, unknown>[]; meta: { last_page: number } }> => {
    const response = await request(`${options.apiUrl}/v1/cars?page=${page}&per_page=${options.perPage}`, { headers });
    const body = Buffer.from(await response.body.arrayBuffer());
    if (response.statusCode !== 200) throw new Error(`page ${page}: HTTP ${response.statusCode}`);
    const text = response.headers['content-encoding'] === 'gzip' ? await gunzipAsync(body) : body;
    return JSON.parse(text.toString('utf8')) as never;
  };

  const started = performance.now();
  const cpu = process.cpuUsage();
  const first = await fetchPage(1);
  const pages: Record<string, unknown>[][] = [first.data];
  let next = 2;
  const lane = async () => {
    for (let page = next++; page <= first.meta.last_page; page = next++) pages[page - 1] = (await fetchPage(page)).data;
  };
  await Promise.all(Array.from({ length: options.lanes }, lane));
  const fetched = performance.now();

  let copiedRows = 0;
  const db = new Client({ connectionString: options.databaseUrl });
  await db.connect();
  try {
    await db.query(`DROP TABLE IF EXISTS floor_cars`);
    // The mirrored columns with cars' types, without its constraints and indexes.
    await db.query(`CREATE UNLOGGED TABLE floor_cars AS SELECT ${COLUMNS.join(', ')} FROM cars WITH NO DATA`);
    const rows = function* () {
      for (const page of pages) yield page.map((car) => `${FIELDS.map((f) => copyText(car[f])).join('\t')}\n`).join('');
    };
    // The simulator serves some records invalid on purpose: PostgreSQL skips those its types refuse.
    const copy = db.query(copyFrom(`COPY floor_cars (${COLUMNS.join(', ')}) FROM STDIN WITH (ON_ERROR ignore)`));
    await pipeline(Readable.from(rows()), copy);
    copiedRows = copy.rowCount;
  } finally {
    await db.end();
  }
  const copied = performance.now();
  const { user, system } = process.cpuUsage(cpu);
  return {
    cars: pages.reduce((n, p) => n + p.length, 0),
    pages: pages.length,
    copiedRows,
    fetchSeconds: (fetched - started) / 1000,
    copySeconds: (copied - fetched) / 1000,
    cpuSeconds: (user + system) / 1e6,
  };
}

/** Run as its own process by the bench (so its CPU is counted apart): prints the result as one JSON line. */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { lanes: { type: 'string' }, 'per-page': { type: 'string' } } });
  const env = (name: string) =>
    process.env[name] ??
    (() => {
      throw new Error(`${name} is not set`);
    })();
  const result = await floorSync({
    apiUrl: env('CARS_API_URL'),
    apiKey: env('CARS_API_KEY'),
    databaseUrl: env('DATABASE_URL'),
    lanes: Number(values.lanes ?? 8),
    perPage: Number(values['per-page'] ?? 1000),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`floor: ${err.message}\n`);
    process.exit(1);
  });
}
