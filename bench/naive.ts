import { request } from 'undici';
import type { Pool } from 'pg';
import { checkRecord } from '../src/activities/car-schema';

/**
 * The baseline hand-rolled sync scripts start from: pages fetched one after the other with offset
 * paging at the API's default page size, and one upsert statement per car. Same validation as
 * carsync, so the comparison is about the pipeline, not the checks.
 */
export async function naiveSync(pool: Pool, apiUrl: string, apiKey: string, maxCars: number): Promise<{ cars: number; pages: number }> {
  await pool.query('CREATE TABLE IF NOT EXISTS naive_cars (LIKE cars INCLUDING ALL)');
  await pool.query('TRUNCATE naive_cars');
  const perPage = 100;
  let cars = 0;
  let pages = 0;
  for (let page = 1; cars < maxCars; page++) {
    const response = await request(`${apiUrl}/v1/cars?page=${page}&per_page=${perPage}`, { headers: { authorization: `Bearer ${apiKey}` } });
    const body = (await response.body.json()) as { data: unknown[] };
    pages++;
    if (body.data.length === 0) break;
    for (const record of body.data) {
      cars++;
      const check = checkRecord(record);
      if (!check.ok) continue;
      const c = check.car;
      await pool.query(
        `INSERT INTO naive_cars (id, make, model, "trim", year, price, currency, mileage_km, fuel, transmission, color, body_type,
           vin, location, lot_number, images, status, listed_at, source_updated_at, data_hash)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,'')
         ON CONFLICT (id) DO UPDATE SET make = EXCLUDED.make, model = EXCLUDED.model, "trim" = EXCLUDED."trim",
           year = EXCLUDED.year, price = EXCLUDED.price, currency = EXCLUDED.currency, mileage_km = EXCLUDED.mileage_km,
           fuel = EXCLUDED.fuel, transmission = EXCLUDED.transmission, color = EXCLUDED.color, body_type = EXCLUDED.body_type,
           vin = EXCLUDED.vin, location = EXCLUDED.location, lot_number = EXCLUDED.lot_number, images = EXCLUDED.images,
           status = EXCLUDED.status, listed_at = EXCLUDED.listed_at, source_updated_at = EXCLUDED.source_updated_at`,
        [
          c.id,
          c.make,
          c.model,
          c.trim,
          c.year,
          c.price,
          c.currency,
          c.mileage_km,
          c.fuel,
          c.transmission,
          c.color,
          c.body_type,
          c.vin,
          c.location,
          c.lot_number,
          JSON.stringify(c.images),
          c.status,
          c.listed_at,
          c.updated_at,
        ],
      );
    }
  }
  return { cars, pages };
}
