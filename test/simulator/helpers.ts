import type { WireCar } from '../../src/simulator/record';
import type { Simulator } from '../../src/simulator/server';

export const AUTH = { authorization: 'Bearer sim-key' };

export interface Meta {
  page: number;
  per_page: number;
  total: number;
  last_page: number;
  next_after_id: number | null;
}

export interface Listing {
  data: WireCar[];
  meta: Meta;
}

export interface Answer<T> {
  status: number;
  headers: Headers;
  body: T;
}

export function carsUrl(sim: Simulator, query: Record<string, string | number> = {}): string {
  const params = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
  const search = params.toString();
  return `${sim.url}/v1/cars${search === '' ? '' : `?${search}`}`;
}

export async function getJson<T = Listing>(url: string, headers: Record<string, string> = AUTH): Promise<Answer<T>> {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as T };
}

export async function getCars(sim: Simulator, query: Record<string, string | number> = {}, headers: Record<string, string> = AUTH): Promise<Answer<Listing>> {
  return getJson<Listing>(carsUrl(sim, query), headers);
}

/** Every record the listing serves, walked with keyset paging. */
export async function walkAfterId(sim: Simulator, filters: Record<string, string | number> = {}, perPage = 500): Promise<WireCar[]> {
  const records: WireCar[] = [];
  let afterId: number | null = null;
  for (;;) {
    const query: Record<string, string | number> = { ...filters, per_page: perPage };
    if (afterId !== null) query.after_id = afterId;
    const { status, body } = await getCars(sim, query);
    if (status !== 200) throw new Error(`status ${status}`);
    records.push(...body.data);
    if (body.meta.next_after_id === null) return records;
    afterId = body.meta.next_after_id;
  }
}

/** Every record the listing serves, walked page by page. */
export async function walkPages(sim: Simulator, filters: Record<string, string | number> = {}, perPage = 500): Promise<WireCar[]> {
  const records: WireCar[] = [];
  for (let page = 1; ; page++) {
    const { body } = await getCars(sim, { ...filters, per_page: perPage, page });
    if (body.data.length === 0) return records;
    records.push(...body.data);
  }
}
