import { hash } from 'node:crypto';
import { MIRRORED_FIELDS } from '../car';

/**
 * Hashes a record's mirrored fields, as received (before any cleaning), so records whose hash matches
 * the stored row need no validation, and a change to the cleaning rule changes no stored car's hash.
 * An absent field hashes unlike any value, so it cannot pass for a null. Null when the fields nest
 * too deeply for JSON.stringify: such a record is no car.
 */
export function recordHash(record: Readonly<Record<string, unknown>>): string | null {
  let json: string;
  try {
    json = JSON.stringify(MIRRORED_FIELDS.map((field) => (field in record ? record[field] : ABSENT)));
  } catch {
    return null;
  }
  // Change detection, not security: sha1 is fast and collision-safe enough for this. The one-shot
  // `hash` costs half of `createHash` per call, which shows at a million calls per sync.
  return hash('sha1', json, 'base64url');
}

const ABSENT = { absent: true };

/** Hashes a reject's storable payload (see storablePayload): one car_rejects row per distinct payload. */
export function payloadHash(payload: unknown): string {
  return hash('sha1', JSON.stringify(payload) ?? 'undefined', 'base64url');
}
