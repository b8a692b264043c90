import { z } from 'zod';
import { CAR_STATUSES, FUELS, TRANSMISSIONS, type Car } from '../car';

/** The longest string carsync stores, in UTF-16 code units: each text field and each image URL. */
export const MAX_TEXT_LENGTH = 4096;

/** How deep a reject's payload is kept; anything nested deeper is replaced by a note. */
export const MAX_PAYLOAD_DEPTH = 32;

// U+0000 and unpaired surrogates are valid JSON strings, but PostgreSQL's text and jsonb refuse them.
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// A quick test first: the full pattern's lookarounds cost more, and nearly every string passes.
const MAYBE_UNSTORABLE = /[\0\uD800-\uDFFF]/;

/** The one cleaning rule: each character PostgreSQL cannot store (U+0000, an unpaired surrogate) becomes U+FFFD. */
export function storableText(text: string): string {
  return MAYBE_UNSTORABLE.test(text) ? text.replace(UNSTORABLE, '\uFFFD') : text;
}

/**
 * A timestamp PostgreSQL's timestamptz takes: it refuses year 0000 and offsets of 16 hours or more,
 * both of which RFC 3339 allows.
 */
function storableTimestamp(text: string): boolean {
  const sign = text[text.length - 6];
  return !text.startsWith('0000') && !((sign === '+' || sign === '-') && text.slice(-5, -3) >= '16');
}

const rfc3339 = z.iso.datetime({ offset: true, error: 'must be an RFC 3339 date-time' });
// The same pattern zod's datetime check tests, for isPlainCar.
const RFC3339 = z.regexes.datetime({ offset: true });
const CURRENCY = /^[A-Z]{3}$/;
const nullableText = z.string().nullable();

/** One Car record, as upstream-api.md's rules define validity (zod's int is a safe integer, so within bigint). Unknown fields are dropped. */
export const carSchema = z.object({
  id: z.number().int().positive(),
  make: z.string().min(1),
  model: z.string().min(1),
  trim: nullableText,
  year: z.number().int().min(1950).max(2100),
  price: z.number().int().min(0),
  currency: z.string().regex(CURRENCY, 'must be an ISO 4217 code'),
  mileage_km: z.number().int().min(0),
  fuel: z.enum(FUELS),
  transmission: z.enum(TRANSMISSIONS),
  color: nullableText,
  body_type: nullableText,
  vin: z.string().length(17).nullable(),
  location: nullableText,
  lot_number: nullableText,
  images: z.array(z.string()),
  status: z.enum(CAR_STATUSES),
  listed_at: rfc3339,
  updated_at: rfc3339,
}) satisfies z.ZodType<Car>;

/** The car's text fields: each is cut at MAX_TEXT_LENGTH and cleaned by storableText, like each image URL. */
const TEXT_FIELDS = ['make', 'model', 'trim', 'color', 'body_type', 'vin', 'location', 'lot_number'] as const satisfies readonly (keyof Car)[];

/** The page envelope. Records stay `unknown` here: each is validated on its own so one bad record cannot sink a page. */
export const pageSchema = z.object({
  data: z.array(z.unknown()),
  meta: z.object({
    total: z.number().int().min(0),
    // What the server serves per page, which may be fewer than asked (see page-contract.ts).
    per_page: z.number().int().positive().optional(),
    last_page: z.number().int().min(0).optional(),
    next_after_id: z.number().int().nullable(),
  }),
});
export type Page = z.infer<typeof pageSchema>;

export type RecordCheck = { ok: true; car: Car } | { ok: false; carId: number | null; reasons: string[] };

/**
 * Validates a record against the contract, then against what PostgreSQL stores; a valid one comes
 * back as the car to store, its text cleaned: the record itself when isPlainCar passes it, else zod's
 * copy. The storage checks are plain code: as zod checks on each field they doubled the validation time.
 */
export function checkRecord(record: unknown): RecordCheck {
  return isPlainCar(record) ? { ok: true, car: record } : schemaCheck(record);
}

/** checkRecord's answer through zod alone, which words every reason; its copy of a valid car is cleaned. */
export function schemaCheck(record: unknown): RecordCheck {
  const result = carSchema.safeParse(record);
  if (!result.success) {
    const reasons = result.error.issues.map((issue) => `${issue.path.join('.') || 'record'}: ${issue.message}`);
    return { ok: false, carId: usableId(record), reasons };
  }
  const car = result.data;
  const reasons: string[] = [];
  for (const field of TEXT_FIELDS) {
    const value = car[field];
    if (value === null) continue;
    if (value.length > MAX_TEXT_LENGTH) reasons.push(`${field}: longer than ${MAX_TEXT_LENGTH} characters`);
    else car[field] = storableText(value);
  }
  const { images } = car;
  for (let i = 0; i < images.length; i++) {
    if (images[i].length > MAX_TEXT_LENGTH) reasons.push(`images.${i}: longer than ${MAX_TEXT_LENGTH} characters`);
    else images[i] = storableText(images[i]);
  }
  for (const field of ['listed_at', 'updated_at'] as const) {
    if (!storableTimestamp(car[field])) reasons.push(`${field}: outside what PostgreSQL stores (years 0001 to 9999, offsets within ±15:59)`);
  }
  if (reasons.length > 0) return { ok: false, carId: car.id, reasons };
  return { ok: true, car };
}

const FUEL_SET = new Set<unknown>(FUELS);
const TRANSMISSION_SET = new Set<unknown>(TRANSMISSIONS);
const STATUS_SET = new Set<unknown>(CAR_STATUSES);

/**
 * True only for a record that carSchema and the storage checks accept as it is, with no text to
 * clean: nearly every record, checked in plain code at a fraction of zod's cost. Anything else,
 * valid or not, goes through zod, which words the reasons of every reject.
 */
export function isPlainCar(record: unknown): record is Car {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return false;
  const r = record as Record<string, unknown>;
  return (
    usableId(r) !== null &&
    plainText(r.make) &&
    r.make !== '' &&
    plainText(r.model) &&
    r.model !== '' &&
    plainNullable(r.trim) &&
    isInt(r.year) &&
    r.year >= 1950 &&
    r.year <= 2100 &&
    isInt(r.price) &&
    r.price >= 0 &&
    typeof r.currency === 'string' &&
    CURRENCY.test(r.currency) &&
    isInt(r.mileage_km) &&
    r.mileage_km >= 0 &&
    FUEL_SET.has(r.fuel) &&
    TRANSMISSION_SET.has(r.transmission) &&
    plainNullable(r.color) &&
    plainNullable(r.body_type) &&
    (r.vin === null || (plainText(r.vin) && r.vin.length === 17)) &&
    plainNullable(r.location) &&
    plainNullable(r.lot_number) &&
    Array.isArray(r.images) &&
    r.images.every((image) => plainText(image)) &&
    STATUS_SET.has(r.status) &&
    plainTimestamp(r.listed_at) &&
    plainTimestamp(r.updated_at)
  );
}

function isInt(value: unknown): value is number {
  return Number.isSafeInteger(value);
}

/** A string stored as it is: short enough, and nothing for storableText to clean. */
function plainText(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_TEXT_LENGTH && !MAYBE_UNSTORABLE.test(value);
}

function plainNullable(value: unknown): boolean {
  return value === null || plainText(value);
}

function plainTimestamp(value: unknown): boolean {
  return typeof value === 'string' && RFC3339.test(value) && storableTimestamp(value);
}

/** The record's id when it is one carsync can key on: a positive safe integer. */
export function usableId(record: unknown): number | null {
  const id = (record as { id?: unknown } | null)?.id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : null;
}

/**
 * A reject's payload as PostgreSQL's jsonb can hold it: the record as received, with its text (keys
 * too) redacted before it is cut (an upstream may echo the key into a record), cleaned and cut at
 * MAX_TEXT_LENGTH, and nesting cut at MAX_PAYLOAD_DEPTH.
 */
export function storablePayload(value: unknown, redact: (text: string) => string, depth = 0): unknown {
  if (typeof value === 'string') return storableText(cut(redact(value)));
  if (value === null || typeof value !== 'object') return value;
  if (depth === MAX_PAYLOAD_DEPTH) return `(nested deeper than ${MAX_PAYLOAD_DEPTH} levels: not kept)`;
  if (Array.isArray(value)) return value.map((item) => storablePayload(item, redact, depth + 1));
  // fromEntries defines own properties, so a "__proto__" key stays a key.
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [storableText(cut(redact(key))), storablePayload(item, redact, depth + 1)]));
}

function cut(text: string): string {
  return text.length > MAX_TEXT_LENGTH ? `${text.slice(0, MAX_TEXT_LENGTH)}… (${text.length} characters)` : text;
}
