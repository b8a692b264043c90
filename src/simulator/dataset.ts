import type { Car } from '../car';
import { INVALID_KINDS, ODD_KINDS, buildRecord, generateCar, makeOf, servedJson } from './generate';
import type { Blueprint, InvalidKind, OddKind } from './generate';
import { isValidCar, parseRfc3339, recordProblems } from './record';
import type { WireCar, WirePatch } from './record';
import { intBetween, mulberry32, pick } from './rng';
import type { Rng } from './rng';

export interface DatasetOptions {
  seed: number;
  size: number;
  /** Share of generated records that break the contract on purpose. */
  invalidShare?: number;
  /** Share of generated records that are odd (see ODD_KINDS); none by default. */
  oddShare?: number;
  /** Time source for mutations (epoch ms). */
  clock?: () => number;
}

/** A listing request, already validated: every field is what the server will apply. */
export interface CarsQuery {
  page: number;
  perPage: number;
  afterId: number | null;
  maxId: number | null;
  /** Epoch ms; records with an updated time at or after it match. */
  updatedSince: number | null;
  makes: readonly string[] | null;
}

export interface CarsPage {
  /** The page's records as JSON texts, and their internal keys. */
  items: string[];
  keys: number[];
  total: number;
  /** The internal key of the page's last record; null on an empty page. */
  nextAfterId: number | null;
}

export interface InvalidRecord {
  /** The internal key: where the record sits in id order, and what `after_id`/`max_id` compare. */
  key: number;
  record: WireCar;
  problems: string[];
}

/** A record served odd on purpose (see ODD_KINDS), as a client parses it. */
export interface OddRecord {
  key: number;
  kind: OddKind;
  served: unknown;
}

export const DEFAULT_INVALID_SHARE = 0.005;
const FIRST_KEY = 1000;
/** Generated listings spread over the year before this instant, so a seed always gives the same data. */
const GENERATED_UNTIL = Date.UTC(2025, 5, 30, 12);
const GENERATED_SPAN_MS = 365 * 24 * 3600 * 1000;

interface Entry {
  key: number;
  /** The make as served, numbered by `makeIds`: the `make` filter compares it across many entries. */
  makeId: number;
  /** When the record last changed; kept apart from `record.updated_at`, which may be garbage. */
  updatedMs: number;
  /** Set once the record is listed or changed by a mutation; generated records are rebuilt on demand. */
  record: WireCar | undefined;
  blueprint: Blueprint | null;
  json: string | undefined;
}

function copy(record: WireCar): WireCar {
  return { ...record, images: [...record.images] };
}

/** Drops keys whose value is undefined, so they do not blank the fields they name. */
function definedOnly(patch: WirePatch): WirePatch {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as WirePatch;
}

/**
 * The simulator's listings, sorted by internal key. A record's emitted `id` is its key, except for
 * records deliberately generated without a usable id; the key still orders them.
 */
export class Dataset {
  readonly seed: number;
  private readonly entries: Entry[] = [];
  /**
   * Columns parallel to `entries` (same index): filtered listings scan them, and flat number
   * arrays scan several times faster than a field of 200,000 scattered objects.
   */
  private readonly keyColumn: number[] = [];
  private readonly updatedColumn: number[] = [];
  private readonly makeColumn: number[] = [];
  private readonly byKey = new Map<number, Entry>();
  private readonly makeIds = new Map<string, number>();
  private readonly clock: () => number;
  private readonly rng: Rng;
  private maxIssued: number;
  private lastStamp: number;

  constructor(options: DatasetOptions) {
    const { seed, size } = options;
    const invalidShare = options.invalidShare ?? DEFAULT_INVALID_SHARE;
    const oddShare = options.oddShare ?? 0;
    if (!(oddShare >= 0 && oddShare <= 1)) throw new RangeError(`oddShare must be in 0..1, got ${oddShare}`);
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`size must be a non-negative integer, got ${size}`);
    if (!(invalidShare >= 0 && invalidShare <= 1)) throw new RangeError(`invalidShare must be in 0..1, got ${invalidShare}`);
    this.seed = seed;
    this.clock = options.clock ?? Date.now;
    this.rng = mulberry32(seed ^ 0x5bd1e995);
    const rng = mulberry32(seed);
    const start = GENERATED_UNTIL - GENERATED_SPAN_MS;
    let key = FIRST_KEY + intBetween(rng, 0, 9);
    let lastStamp = 0;
    for (let i = 0; i < size; i++) {
      const listedMs = start + Math.floor((i / size) * GENERATED_SPAN_MS) + Math.floor(rng() * 3_600_000);
      const changedMs = rng() < 0.55 ? listedMs : listedMs + Math.floor(rng() * Math.max(0, GENERATED_UNTIL - listedMs));
      const updatedMs = Math.floor(changedMs / 1000) * 1000;
      const blueprint: Blueprint = {
        seed: Math.floor(rng() * 2 ** 32),
        key,
        listedMs,
        updatedMs,
        invalid: rng() < invalidShare ? pick<InvalidKind>(rng, INVALID_KINDS) : null,
        odd: null,
      };
      // Drawn apart from the main sequence, so a seed's other records are the same whatever oddShare is.
      const oddRng = mulberry32(blueprint.seed ^ 0x0dd5);
      if (blueprint.invalid === null && oddShare > 0 && oddRng() < oddShare) blueprint.odd = pick<OddKind>(oddRng, ODD_KINDS);
      const makeId = this.makeIdOf(makeOf(blueprint));
      const entry: Entry = { key, makeId, updatedMs, record: undefined, blueprint, json: undefined };
      this.entries.push(entry);
      this.keyColumn.push(key);
      this.updatedColumn.push(updatedMs);
      this.makeColumn.push(makeId);
      this.byKey.set(key, entry);
      lastStamp = Math.max(lastStamp, updatedMs);
      if (i < size - 1) key += intBetween(rng, 1, 3);
    }
    this.maxIssued = size === 0 ? FIRST_KEY - 1 : key;
    this.lastStamp = lastStamp;
  }

  /** How many records are listed. */
  get size(): number {
    return this.entries.length;
  }

  /** The greatest id ever issued, listed or not. */
  get maxId(): number {
    return this.maxIssued;
  }

  /** The listed record with this key (its id, for a valid record), as served; a copy. */
  get(id: number): WireCar | undefined {
    const entry = this.byKey.get(id);
    return entry === undefined ? undefined : copy(this.recordOf(entry));
  }

  /** Every listed record as served, in id order; copies. */
  all(): WireCar[] {
    return this.entries.map((e) => copy(this.recordOf(e)));
  }

  /** The internal keys of the listed records, in order: `all()[i]` has key `keys()[i]`. */
  keys(): number[] {
    return [...this.keyColumn];
  }

  /** The listed records that keep the contract, odd ones aside (see oddRecords): what a correct sync ends up storing. */
  validCars(): Car[] {
    const cars: Car[] = [];
    for (const e of this.entries) {
      if (e.blueprint?.odd) continue;
      const record = this.recordOf(e);
      if (isValidCar(record)) cars.push({ ...record, images: [...record.images] });
    }
    return cars;
  }

  /** The listed records that break the contract, with the rules they break, odd ones aside (see oddRecords). */
  invalidRecords(): InvalidRecord[] {
    const invalid: InvalidRecord[] = [];
    for (const e of this.entries) {
      if (e.blueprint?.odd) continue;
      const record = this.recordOf(e);
      const problems = recordProblems(record);
      if (problems.length > 0) invalid.push({ key: e.key, record: copy(record), problems });
    }
    return invalid;
  }

  /** The listed odd records (see DatasetOptions.oddShare), in key order. */
  oddRecords(): OddRecord[] {
    return this.entries.flatMap((e) => (e.blueprint?.odd ? [{ key: e.key, kind: e.blueprint.odd, served: JSON.parse(this.jsonOf(e)) as unknown }] : []));
  }

  /** Lists a new car with an id greater than every id ever issued. */
  list(patch: WirePatch = {}): WireCar & { id: number } {
    const key = this.maxIssued + intBetween(this.rng, 1, 3);
    const stamp = this.nextStamp(0);
    const generated = generateCar(this.rng, key, stamp, stamp);
    const now = new Date(stamp).toISOString();
    const record = { ...generated, listed_at: now, updated_at: now, ...definedOnly(patch) };
    this.insert(this.entryFor(key, record, stamp));
    this.maxIssued = key;
    return copy(record) as WireCar & { id: number };
  }

  /**
   * Changes a listed record (by default its price) and bumps its `updated_at`. A patch may set
   * `updated_at` itself, e.g. to something invalid; the record still counts as changed now.
   */
  change(id: number, patch?: WirePatch): WireCar {
    const entry = this.byKey.get(id);
    if (entry === undefined) throw new Error(`no listed car with id ${id}`);
    const stamp = this.nextStamp(entry.updatedMs);
    const current = this.recordOf(entry);
    const changes = patch === undefined ? { price: this.changedPrice(current.price) } : definedOnly(patch);
    const record = { ...current, updated_at: new Date(stamp).toISOString(), ...changes };
    entry.record = record;
    entry.makeId = this.makeIdOf(record.make);
    entry.updatedMs = this.updatedMsOf(record, stamp);
    entry.json = undefined;
    const index = this.indexOfKey(id);
    this.makeColumn[index] = entry.makeId;
    this.updatedColumn[index] = entry.updatedMs;
    return copy(record);
  }

  /** Removes a car from every listing; false when it was not listed. */
  delist(id: number): boolean {
    const entry = this.byKey.get(id);
    if (entry === undefined) return false;
    const index = this.indexOfKey(id);
    for (const column of this.columns()) column.splice(index, 1);
    this.byKey.delete(id);
    return true;
  }

  /**
   * Puts a record back under its old id (or under `key`, for a record without a usable id), with
   * `updated_at` bumped.
   */
  relist(car: WireCar, key?: number): WireCar {
    const k = key ?? car.id;
    if (typeof k !== 'number' || !Number.isSafeInteger(k) || k <= 0) {
      throw new Error('relist needs a positive integer id or key');
    }
    if (this.byKey.has(k)) throw new Error(`car ${k} is already listed`);
    const stamp = this.nextStamp(parseRfc3339(String(car.updated_at)) ?? 0);
    const record = { ...copy(car), updated_at: new Date(stamp).toISOString() };
    this.insert(this.entryFor(k, record, stamp));
    this.maxIssued = Math.max(this.maxIssued, k);
    return copy(record);
  }

  /** Changes the price of about `share` of the listed cars; returns their keys. */
  changeRandom(share: number, rng: Rng = this.rng): number[] {
    const keys = this.entries.filter(() => rng() < share).map((e) => e.key);
    for (const key of keys) this.change(key);
    return keys;
  }

  /** Delists `n` random cars (all of them when fewer are listed); returns their keys. */
  delistRandom(n: number, rng: Rng = this.rng): number[] {
    const count = Math.min(n, this.entries.length);
    const chosen = new Set<number>();
    while (chosen.size < count) chosen.add(Math.floor(rng() * this.entries.length));
    const keys: number[] = [];
    let kept = 0;
    this.entries.forEach((entry, index) => {
      if (chosen.has(index)) {
        keys.push(entry.key);
        this.byKey.delete(entry.key);
      } else {
        this.entries[kept] = entry;
        this.keyColumn[kept] = entry.key;
        this.updatedColumn[kept] = entry.updatedMs;
        this.makeColumn[kept] = entry.makeId;
        kept++;
      }
    });
    for (const column of this.columns()) column.length = kept;
    return keys;
  }

  /** One page of the listing, as `GET /v1/cars` serves it. */
  query(q: CarsQuery): CarsPage {
    const lo = q.afterId === null ? 0 : this.upperBound(q.afterId);
    const hi = q.maxId === null ? this.entries.length : this.upperBound(q.maxId);
    const offset = (q.page - 1) * q.perPage;
    if (q.updatedSince === null && q.makes === null) {
      const total = Math.max(0, hi - lo);
      const from = lo + offset;
      return this.page(from < hi ? this.entries.slice(from, Math.min(hi, from + q.perPage)) : [], total);
    }
    const since = q.updatedSince;
    let makes: Uint8Array | null = null;
    if (q.makes !== null) {
      makes = new Uint8Array(this.makeIds.size);
      for (const make of q.makes) {
        const id = this.makeIds.get(make);
        if (id !== undefined) makes[id] = 1;
      }
    }
    const end = offset + q.perPage;
    const found: Entry[] = [];
    const updated = this.updatedColumn;
    const makeIds = this.makeColumn;
    let total = 0;
    for (let i = lo; i < hi; i++) {
      if (since !== null && updated[i] < since) continue;
      if (makes !== null && makes[makeIds[i]] === 0) continue;
      if (total >= offset && total < end) found.push(this.entries[i]);
      total++;
    }
    return this.page(found, total);
  }

  /** Builds every listed record's served JSON now, rather than as each is first served. */
  prebuild(): void {
    for (const entry of this.entries) this.jsonOf(entry);
  }

  /** Every listed record as one JSON array text. */
  toJsonArray(): string {
    return `[${this.entries.map((e) => this.jsonOf(e)).join(',')}]`;
  }

  private page(entries: Entry[], total: number): CarsPage {
    return {
      items: entries.map((e) => this.jsonOf(e)),
      keys: entries.map((e) => e.key),
      total,
      nextAfterId: entries.length === 0 ? null : entries[entries.length - 1].key,
    };
  }

  private jsonOf(entry: Entry): string {
    if (entry.json === undefined) entry.json = servedJson(this.recordOf(entry), entry.key, entry.blueprint?.odd ?? null);
    return entry.json;
  }

  private recordOf(entry: Entry): WireCar {
    return entry.record ?? buildRecord(entry.blueprint as Blueprint);
  }

  private entryFor(key: number, record: WireCar, stamp: number): Entry {
    const updatedMs = this.updatedMsOf(record, stamp);
    return { key, makeId: this.makeIdOf(record.make), updatedMs, record, blueprint: null, json: undefined };
  }

  private makeIdOf(make: string): number {
    let id = this.makeIds.get(make);
    if (id === undefined) {
      id = this.makeIds.size;
      this.makeIds.set(make, id);
    }
    return id;
  }

  /** The emitted updated_at when it is a date, else the time of the change. */
  private updatedMsOf(record: WireCar, stamp: number): number {
    return parseRfc3339(String(record.updated_at)) ?? stamp;
  }

  /**
   * A change time: never before an earlier one, and strictly after the record's previous one, so
   * `updated_since` finds every change made at or after the time it names.
   */
  private nextStamp(previousMs: number): number {
    const stamp = Math.max(this.clock(), this.lastStamp, previousMs + 1);
    this.lastStamp = stamp;
    return stamp;
  }

  private changedPrice(price: number): number {
    const factor = 0.9 + this.rng() * 0.15;
    const next = Math.max(0, Math.round((price * factor) / 10_000) * 10_000);
    return next === price ? price + 10_000 : next;
  }

  private insert(entry: Entry): void {
    const index = this.upperBound(entry.key);
    this.entries.splice(index, 0, entry);
    this.keyColumn.splice(index, 0, entry.key);
    this.updatedColumn.splice(index, 0, entry.updatedMs);
    this.makeColumn.splice(index, 0, entry.makeId);
    this.byKey.set(entry.key, entry);
  }

  /** Index of the first entry whose key is greater than `key`. */
  private upperBound(key: number): number {
    let lo = 0;
    let hi = this.keyColumn.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keyColumn[mid] <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private columns(): unknown[][] {
    return [this.entries, this.keyColumn, this.updatedColumn, this.makeColumn];
  }

  private indexOfKey(key: number): number {
    return this.upperBound(key) - 1;
  }
}
