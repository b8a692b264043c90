import { CAR_STATUSES, FUELS, TRANSMISSIONS } from '../car';
import type { Car } from '../car';

/**
 * A record as the simulator serves it: a Car, or (deliberately) one that breaks the contract,
 * which is why the enum fields are plain strings and the id may be missing or a string.
 */
export type WireCar = Omit<Car, 'id' | 'fuel' | 'transmission' | 'status'> & {
  id?: number | string;
  fuel: string;
  transmission: string;
  status: string;
};

/** Fields a test may set on a listing; the id is always the simulator's to give. */
export type WirePatch = Partial<Omit<WireCar, 'id'>>;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** Epoch milliseconds of an RFC 3339 date-time, or null when it is not one (e.g. 2025-02-30). */
export function parseRfc3339(text: string): number | null {
  const m = RFC3339.exec(text);
  if (m === null) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const fraction = m[7] === undefined ? 0 : Math.floor(Number(`0${m[7]}`) * 1000);
  const offsetMinutes = m[8] === undefined ? 0 : (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return null;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return null;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return null;
  // A leap second (":60") names the last instant of its minute.
  const utc = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59), second === 60 ? 999 : fraction);
  return utc - offsetMinutes * 60_000;
}

function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

function isNullableString(value: unknown): boolean {
  return value === null || typeof value === 'string';
}

/** The contract rules (upstream-api.md, "The Car record") a record breaks; empty when it is valid. */
export function recordProblems(record: WireCar): string[] {
  const problems: string[] = [];
  const r = record as unknown as Record<string, unknown>;
  if (!isInt(r.id) || r.id <= 0) problems.push('id: not a positive integer');
  for (const field of ['make', 'model'] as const) {
    if (typeof r[field] !== 'string' || r[field] === '') problems.push(`${field}: empty`);
  }
  if (!isInt(r.year) || r.year < 1950 || r.year > 2100) problems.push('year: outside 1950..2100');
  if (!isInt(r.price) || r.price < 0) problems.push('price: not a non-negative integer');
  if (typeof r.currency !== 'string' || !/^[A-Z]{3}$/.test(r.currency)) problems.push('currency: not ISO 4217');
  if (!isInt(r.mileage_km) || r.mileage_km < 0) problems.push('mileage_km: not a non-negative integer');
  if (!(FUELS as readonly unknown[]).includes(r.fuel)) problems.push('fuel: unknown');
  if (!(TRANSMISSIONS as readonly unknown[]).includes(r.transmission)) problems.push('transmission: unknown');
  if (!(CAR_STATUSES as readonly unknown[]).includes(r.status)) problems.push('status: unknown');
  for (const field of ['trim', 'color', 'body_type', 'location', 'lot_number'] as const) {
    if (!isNullableString(r[field])) problems.push(`${field}: not a string or null`);
  }
  if (!(r.vin === null || (typeof r.vin === 'string' && r.vin.length === 17))) problems.push('vin: not 17 characters');
  if (!Array.isArray(r.images) || !r.images.every((url) => typeof url === 'string')) {
    problems.push('images: not an array of strings');
  }
  for (const field of ['listed_at', 'updated_at'] as const) {
    if (typeof r[field] !== 'string' || parseRfc3339(r[field]) === null) problems.push(`${field}: not RFC 3339`);
  }
  return problems;
}

export function isValidCar(record: WireCar): record is Car {
  return recordProblems(record).length === 0;
}
