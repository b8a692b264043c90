import { createHash } from 'node:crypto';
import type { Car } from '../car';

/** Every mirrored field, in a fixed order: a row is rewritten exactly when one of these changes. */
const HASHED_FIELDS = [
  'make', 'model', 'trim', 'year', 'price', 'currency', 'mileage_km', 'fuel', 'transmission', 'color',
  'body_type', 'vin', 'location', 'lot_number', 'images', 'status', 'listed_at', 'updated_at',
] as const satisfies readonly (keyof Car)[];

export function carHash(car: Car): string {
  // Change detection, not security: sha1 is fast and collision-safe enough for this.
  return createHash('sha1').update(JSON.stringify(HASHED_FIELDS.map((field) => car[field]))).digest('base64url');
}

export function payloadHash(payload: unknown): string {
  return createHash('sha1').update(JSON.stringify(payload) ?? 'undefined').digest('base64url');
}
