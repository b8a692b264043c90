import { hash } from 'node:crypto';
import { MIRRORED_FIELDS, type Car } from '../car';

/**
 * A record's mirrored fields as JSON, as received (before any cleaning), in MIRRORED_FIELDS order: what
 * its hash covers, and for a plain car the middle of its upsert row. An absent field serialises unlike
 * any value, so it cannot pass for a null. Null when the fields nest too deeply for JSON.stringify:
 * such a record is no car.
 */
export function mirroredJson(record: Readonly<Record<string, unknown>>): string | null {
  try {
    return JSON.stringify(MIRRORED_FIELDS.map((field) => (field in record ? record[field] : ABSENT)));
  } catch {
    return null;
  }
}

/**
 * mirroredJson of a plain car (see isPlainCar), whose every field is present: read by name, which
 * costs a third less than reading by MIRRORED_FIELDS in a loop. record-hash.test.ts checks it against
 * mirroredJson, so the order cannot drift from MIRRORED_FIELDS.
 */
export function plainMirroredJson(c: Car): string {
  // prettier-ignore
  return JSON.stringify([c.make, c.model, c.trim, c.year, c.price, c.currency, c.mileage_km, c.fuel, c.transmission, c.color, c.body_type, c.vin, c.location, c.lot_number, c.images, c.status, c.listed_at, c.updated_at]);
}

/**
 * The hash of a record's mirrored JSON, so records whose hash matches the stored row need no
 * validation, and a change to the cleaning rule changes no stored car's hash. Change detection, not
 * security: sha1 is fast and collision-safe enough for this. The one-shot `hash` costs half of
 * `createHash` per call, which shows at a million calls per sync. Base64url needs no escaping in JSON
 * or in an array literal.
 */
export function hashOfMirrored(json: string): string {
  return hash('sha1', json, 'base64url');
}

/** The hash of a record's mirrored fields (see mirroredJson); null when they nest too deeply. */
export function recordHash(record: Readonly<Record<string, unknown>>): string | null {
  const json = mirroredJson(record);
  return json === null ? null : hashOfMirrored(json);
}

const ABSENT = { absent: true };

/** Hashes a reject's storable payload (see storablePayload): one car_rejects row per distinct payload. */
export function payloadHash(payload: unknown): string {
  return hash('sha1', JSON.stringify(payload) ?? 'undefined', 'base64url');
}
