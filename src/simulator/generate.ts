import type { Fuel } from '../car';
import { CATALOG, COLORS, COLOR_WEIGHTS, FIRST_YEAR, LAST_YEAR, LOCATIONS, LOCATION_WEIGHTS } from './catalog';
import type { MakeSpec, ModelSpec } from './catalog';
import type { WireCar } from './record';
import { cumulativeWeights, intBetween, mulberry32, pick, pickWeighted } from './rng';
import type { Rng } from './rng';

/** The ways a generated record is made to break the contract. */
export const INVALID_KINDS = ['year', 'price', 'make', 'vin', 'fuel', 'id_missing', 'id_string', 'updated_at'] as const;
export type InvalidKind = (typeof INVALID_KINDS)[number];

/**
 * Odd records: what the contract allows or real servers send, and a client must survive. Text with
 * U+0000 or an unpaired surrogate is valid; a 20,000-character string, a year-0000 or +18:00
 * timestamp (valid RFC 3339), an integer beyond bigint, images nested 100,000 deep, and a `data`
 * element that is null or no object are there to be kept aside.
 */
export const ODD_KINDS = ['nul', 'lone_surrogate', 'long_text', 'timestamp', 'huge_int', 'deep', 'non_object'] as const;
export type OddKind = (typeof ODD_KINDS)[number];

const ODD_TEXT_FIELDS = ['make', 'model', 'trim', 'location', 'images', 'extra'] as const;
const DEEP_LEVELS = 100_000;
/** What a `non_object` record is served as. */
const NON_OBJECTS = ['null', '42', '"not a car"', '[]'];

const VIN_CHARS = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
const IMAGE_HOST = 'https://img.carsync-sim.example';

const MAKE_CUMULATIVE = cumulativeWeights(CATALOG.map((m) => m.weight));
const MODEL_CUMULATIVE = new Map<MakeSpec, number[]>(CATALOG.map((m) => [m, cumulativeWeights(m.models.map((model) => model.weight))]));
const FUEL_CUMULATIVE = new Map<ModelSpec, number[]>(CATALOG.flatMap((m) => m.models).map((model) => [model, cumulativeWeights(model.fuelWeights)]));
const COLOR_CUMULATIVE = cumulativeWeights(COLOR_WEIGHTS);
const LOCATION_CUMULATIVE = cumulativeWeights(LOCATION_WEIGHTS);

function vinBody(rng: Rng, length: number): string {
  let body = '';
  for (let i = 0; i < length; i++) body += VIN_CHARS[Math.floor(rng() * VIN_CHARS.length)];
  return body;
}

function transmissionFor(rng: Rng, fuel: Fuel, body: string, year: number): string {
  if (fuel === 'electric' || fuel === 'hydrogen') return rng() < 0.1 ? 'other' : 'automatic';
  const manualShare = body === 'truck' ? 0.3 : year < 2012 ? 0.08 : 0.01;
  return rng() < manualShare ? 'manual' : 'automatic';
}

export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** A realistic, valid listing; its timestamps are given so that ids and listing times grow together. */
export function generateCar(rng: Rng, key: number, listedMs: number, updatedMs: number): WireCar {
  const spec = pickWeighted(rng, CATALOG, MAKE_CUMULATIVE);
  const modelSpec = pickWeighted(rng, spec.models, MODEL_CUMULATIVE.get(spec) as number[]);
  const from = Math.max(FIRST_YEAR, modelSpec.from);
  const to = Math.min(LAST_YEAR, modelSpec.to);
  // Used-car stock skews young: a power of a uniform draw favours small ages.
  const age = Math.floor((to - from + 1) * rng() ** 1.6);
  const year = to - age;
  const carAge = LAST_YEAR - year;
  const fuel = pickWeighted(rng, modelSpec.fuels, FUEL_CUMULATIVE.get(modelSpec) as number[]);
  const trimIndex = Math.floor(rng() * modelSpec.trims.length);
  const newPrice = modelSpec.newPriceM * 1_000_000 * (1 + trimIndex * 0.12);
  const value = newPrice * 0.86 ** carAge * (0.85 + rng() * 0.3);
  // Korean listings quote prices in units of 10,000 won (manwon).
  const price = Math.max(1_000_000, Math.round(value / 10_000) * 10_000);
  const yearlyKm = 8_000 + rng() * 14_000;
  const mileage = Math.round(carAge === 0 ? rng() * 6_000 : carAge * yearlyKm + rng() * 3_000);
  const [location, lotPrefix] = pickWeighted(rng, LOCATIONS, LOCATION_CUMULATIVE);
  const imageCount = rng() < 0.05 ? 0 : intBetween(rng, 1, 8);
  const images: string[] = [];
  for (let i = 1; i <= imageCount; i++) images.push(`${IMAGE_HOST}/cars/${key}/${i}.jpg`);
  const statusDraw = rng();
  return {
    id: key,
    make: spec.make,
    model: modelSpec.name,
    trim: rng() < 0.05 ? null : modelSpec.trims[trimIndex],
    year,
    price,
    currency: 'KRW',
    mileage_km: mileage,
    fuel,
    transmission: transmissionFor(rng, fuel, modelSpec.body, year),
    color: rng() < 0.03 ? null : pickWeighted(rng, COLORS, COLOR_CUMULATIVE),
    body_type: rng() < 0.02 ? null : modelSpec.body,
    vin: rng() < 0.1 ? null : spec.wmi + vinBody(rng, 14),
    location: rng() < 0.03 ? null : location,
    lot_number: rng() < 0.12 ? null : `${lotPrefix}${String(year).slice(2)}-${String(intBetween(rng, 1, 999_999)).padStart(6, '0')}`,
    images,
    status: statusDraw < 0.86 ? 'active' : statusDraw < 0.93 ? 'reserved' : 'sold',
    listed_at: isoSeconds(listedMs),
    updated_at: isoSeconds(updatedMs),
  };
}

/** Breaks `record` in the way `kind` names; the internal key and timestamps are unaffected. */
export function spoil(rng: Rng, record: WireCar, kind: InvalidKind): WireCar {
  switch (kind) {
    case 'year':
      return { ...record, year: 1890 };
    case 'price':
      return { ...record, price: -record.price };
    case 'make':
      return { ...record, make: '' };
    case 'vin':
      return { ...record, vin: record.vin === null || rng() < 0.5 ? vinBody(rng, 16) : `${record.vin}X` };
    case 'fuel':
      return { ...record, fuel: pick(rng, ['petrol', 'steam', 'Gasoline']) };
    case 'id_missing': {
      const withoutId = { ...record };
      delete withoutId.id;
      return withoutId;
    }
    case 'id_string':
      return { ...record, id: `A-${record.id}` };
    case 'updated_at':
      return { ...record, updated_at: pick(rng, ['not-a-date', 'yesterday', '2024-13-45T99:00:00Z']) };
  }
}

/** Makes `record` odd in the way `kind` names (see ODD_KINDS); `non_object` shows only in `servedJson`. */
export function oddify(rng: Rng, record: WireCar, kind: OddKind): WireCar {
  switch (kind) {
    case 'nul':
    case 'lone_surrogate': {
      const odd = kind === 'nul' ? '\u0000' : pick(rng, ['\uD800', '\uDFFF']);
      const field = pick(rng, ODD_TEXT_FIELDS);
      if (field === 'images') return { ...record, images: [`${IMAGE_HOST}/cars/${odd}.jpg`, ...record.images] };
      if (field === 'extra') return { ...record, [`note${odd}`]: `unknown field${odd}` } as WireCar;
      const text = record[field] ?? 'x';
      const middle = Math.floor(text.length / 2);
      return { ...record, [field]: `${text.slice(0, middle)}${odd}${text.slice(middle)}` };
    }
    case 'long_text':
      return { ...record, [pick(rng, ['trim', 'location'])]: 'x'.repeat(20_000) };
    case 'timestamp':
      return { ...record, listed_at: pick(rng, ['0000-01-01T00:00:00Z', '2024-05-01T12:00:00+18:00']) };
    case 'huge_int':
      return { ...record, [pick(rng, ['price', 'mileage_km'])]: 2 ** 64 };
    case 'deep': {
      let nested: unknown = [];
      for (let i = 1; i < DEEP_LEVELS; i++) nested = [nested];
      return { ...record, images: nested as string[] };
    }
    case 'non_object':
      return record;
  }
}

/** The JSON text a record is served as; JSON.stringify alone cannot write a `deep` record. */
export function servedJson(record: WireCar, key: number, odd: OddKind | null): string {
  if (odd === 'non_object') return NON_OBJECTS[key % NON_OBJECTS.length];
  if (odd !== 'deep' || !isDeep(record.images)) return JSON.stringify(record);
  const json = JSON.stringify({ ...record, images: DEEP_MARK });
  return json.replace(JSON.stringify(DEEP_MARK), `${'['.repeat(DEEP_LEVELS)}${']'.repeat(DEEP_LEVELS)}`);
}

const DEEP_MARK = '(deep)';

function isDeep(images: unknown): boolean {
  return Array.isArray(images) && images.length === 1 && Array.isArray(images[0]);
}

/** What a generated record is rebuilt from, so the data set need not hold every record in memory. */
export interface Blueprint {
  seed: number;
  key: number;
  listedMs: number;
  updatedMs: number;
  invalid: InvalidKind | null;
  odd: OddKind | null;
}

export function buildRecord(blueprint: Blueprint): WireCar {
  const rng = mulberry32(blueprint.seed);
  const record = generateCar(rng, blueprint.key, blueprint.listedMs, blueprint.updatedMs);
  if (blueprint.odd !== null) return oddify(rng, record, blueprint.odd);
  return blueprint.invalid === null ? record : spoil(rng, record, blueprint.invalid);
}

/** The make `buildRecord` will give, for a fraction of the cost: the make is its first draw. */
export function makeOf(blueprint: Blueprint): string {
  if (blueprint.odd !== null) return buildRecord(blueprint).make;
  if (blueprint.invalid === 'make') return '';
  return pickWeighted(mulberry32(blueprint.seed), CATALOG, MAKE_CUMULATIVE).make;
}
