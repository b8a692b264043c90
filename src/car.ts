/** A car listing as the upstream API describes it (see shared/upstream-api.md). */
export interface Car {
  id: number;
  make: string;
  model: string;
  trim: string | null;
  year: number;
  price: number;
  currency: string;
  mileage_km: number;
  fuel: Fuel;
  transmission: Transmission;
  color: string | null;
  body_type: string | null;
  vin: string | null;
  location: string | null;
  lot_number: string | null;
  images: string[];
  status: CarStatus;
  listed_at: string;
  updated_at: string;
}

export const FUELS = ['gasoline', 'diesel', 'hybrid', 'electric', 'lpg', 'hydrogen', 'other'] as const;
export const TRANSMISSIONS = ['automatic', 'manual', 'other'] as const;
export const CAR_STATUSES = ['active', 'reserved', 'sold'] as const;
export type Fuel = (typeof FUELS)[number];
export type Transmission = (typeof TRANSMISSIONS)[number];
export type CarStatus = (typeof CAR_STATUSES)[number];

/**
 * Every mirrored field, in a fixed order: the record hash covers them in this order (so it must not
 * change, or every stored row would be rewritten once), and car_changes names them.
 */
export const MIRRORED_FIELDS = [
  'make',
  'model',
  'trim',
  'year',
  'price',
  'currency',
  'mileage_km',
  'fuel',
  'transmission',
  'color',
  'body_type',
  'vin',
  'location',
  'lot_number',
  'images',
  'status',
  'listed_at',
  'updated_at',
] as const satisfies readonly (keyof Car)[];
export type MirroredField = (typeof MIRRORED_FIELDS)[number];
