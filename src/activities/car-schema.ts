import { z } from 'zod';
import { CAR_STATUSES, FUELS, TRANSMISSIONS, type Car } from '../car';

const rfc3339 = z.iso.datetime({ offset: true, error: 'must be an RFC 3339 date-time' });
const nullableText = z.string().nullable();

/** One Car record, as upstream-api.md's rules define validity. Unknown fields are dropped. */
export const carSchema = z.object({
  id: z.number().int().positive(),
  make: z.string().min(1),
  model: z.string().min(1),
  trim: nullableText,
  year: z.number().int().min(1950).max(2100),
  price: z.number().int().min(0),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code'),
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

export type RecordCheck =
  | { ok: true; car: Car }
  | { ok: false; carId: number | null; reasons: string[] };

export function checkRecord(record: unknown): RecordCheck {
  const result = carSchema.safeParse(record);
  if (result.success) return { ok: true, car: result.data };
  const reasons = result.error.issues.map((issue) => `${issue.path.join('.') || 'record'}: ${issue.message}`);
  return { ok: false, carId: usableId(record), reasons };
}

/** The record's id when it is one carsync can key on: a positive safe integer. */
export function usableId(record: unknown): number | null {
  const id = (record as { id?: unknown } | null)?.id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : null;
}
