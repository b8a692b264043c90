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
