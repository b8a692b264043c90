import { Dataset } from '../../src/simulator/dataset';
import { parseRfc3339 } from '../../src/simulator/record';
import type { WireCar } from '../../src/simulator/record';
import { createSimulator } from '../../src/simulator/server';
import type { Simulator } from '../../src/simulator/server';
import { getCars, walkAfterId, walkPages } from './helpers';

describe('GET /v1/cars listing', () => {
  let sim: Simulator;
  let dataset: Dataset;

  beforeAll(async () => {
    dataset = new Dataset({ seed: 11, size: 2000, invalidShare: 0.02 });
    sim = await createSimulator({ dataset });
  });
  afterAll(() => sim.close());

  it('walking every page with after_id returns exactly dataset.all(), in order', async () => {
    expect(await walkAfterId(sim, {}, 300)).toEqual(dataset.all());
  });

  it('page walking agrees with after_id walking', async () => {
    expect(await walkPages(sim, {}, 700)).toEqual(dataset.all());
  });

  it('keeps records without a usable id in key order and still gives a numeric next_after_id', async () => {
    const idless = dataset.invalidRecords().find((r) => typeof r.record.id !== 'number');
    expect(idless).toBeDefined();
    const key = idless?.key as number;
    const { body } = await getCars(sim, { after_id: key - 1, per_page: 1 });
    expect(body.data).toEqual([idless?.record]);
    expect(body.meta.next_after_id).toBe(key);
  });

  it('defaults to page 1 of 100 and fills meta', async () => {
    const { status, headers, body } = await getCars(sim);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(body.data).toEqual(dataset.all().slice(0, 100));
    expect(body.meta).toEqual({ page: 1, per_page: 100, total: 2000, last_page: 20, next_after_id: expect.any(Number) });
  });

  it('gives the requested page, and data [] with a null next_after_id past the end', async () => {
    const third = await getCars(sim, { page: 3, per_page: 300 });
    expect(third.body.data).toEqual(dataset.all().slice(600, 900));
    expect(third.body.meta).toMatchObject({ page: 3, per_page: 300, total: 2000, last_page: 7 });
    const past = await getCars(sim, { page: 8, per_page: 300 });
    expect(past.body.data).toEqual([]);
    expect(past.body.meta).toEqual({ page: 8, per_page: 300, total: 2000, last_page: 7, next_after_id: null });
  });

  it('with after_id, reports page 1 and counts only what lies after it', async () => {
    const all = dataset.all();
    const cut = all[1499].id as number;
    const { body } = await getCars(sim, { after_id: cut, per_page: 200 });
    expect(body.data).toEqual(all.slice(1500, 1700));
    expect(body.meta).toEqual({ page: 1, per_page: 200, total: 500, last_page: 3, next_after_id: all[1699].id });
  });

  it('max_id cuts the id space into ranges that together make the whole', async () => {
    const cuts = [0, 2000, 3000, 4000, dataset.maxId];
    const parts = [];
    for (let i = 1; i < cuts.length; i++) {
      const range = await walkAfterId(sim, { max_id: cuts[i], ...(cuts[i - 1] > 0 ? { after_id: cuts[i - 1] } : {}) }, 250);
      expect(range.every((r) => typeof r.id !== 'number' || (r.id > cuts[i - 1] && r.id <= cuts[i]))).toBe(true);
      parts.push(...range);
    }
    expect(parts).toEqual(dataset.all());
    const { body } = await getCars(sim, { max_id: 3000, page: 2, per_page: 100 });
    const below = (await walkAfterId(sim, { max_id: 3000 })).length;
    expect(body.meta).toMatchObject({ page: 2, total: below, last_page: Math.ceil(below / 100) });
  });

  it('returns at least one page even when nothing matches', async () => {
    const { body } = await getCars(sim, { max_id: 10 });
    expect(body.data).toEqual([]);
    expect(body.meta).toEqual({ page: 1, per_page: 100, total: 0, last_page: 1, next_after_id: null });
  });

  it('filters by make, case-sensitively, in every paging style', async () => {
    const wanted = dataset.all().filter((r) => r.make === 'Kia' || r.make === 'Mercedes-Benz');
    expect(await walkAfterId(sim, { make: 'Kia,Mercedes-Benz' }, 100)).toEqual(wanted);
    expect(await walkPages(sim, { make: 'Mercedes-Benz,Kia' }, 100)).toEqual(wanted);
    const { body } = await getCars(sim, { make: 'kia' });
    expect(body.data).toEqual([]);
    expect(body.meta.total).toBe(0);
  });

  // Records whose updated_at is garbage are filtered by when they really changed, which the wire
  // cannot show; the expectations leave them out.
  const dated = (records: WireCar[]): WireCar[] => records.filter((r) => parseRfc3339(r.updated_at) !== null);

  it('filters by updated_since (inclusive) combined with make, after_id and max_id', async () => {
    const keys = dataset.keys();
    const keyOf = new Map(dataset.all().map((r, i) => [r, keys[i]]));
    const all = dated([...keyOf.keys()]);
    const since = all.map((r) => r.updated_at).sort()[1000];
    const cutoff = Date.parse(since);
    const recent = all.filter((r) => Date.parse(r.updated_at) >= cutoff);
    expect(dated(await walkAfterId(sim, { updated_since: since }, 150))).toEqual(recent);
    const inRange = (r: WireCar): boolean => (keyOf.get(r) as number) > 2000 && (keyOf.get(r) as number) <= 4500;
    const combined = recent.filter((r) => r.make === 'Hyundai' && inRange(r));
    const served = await walkAfterId(sim, { updated_since: since, make: 'Hyundai', after_id: 2000, max_id: 4500 }, 20);
    expect(dated(served)).toEqual(combined);
    const { body } = await getCars(sim, { updated_since: since, make: 'Hyundai', page: 2, per_page: 10 });
    expect(body.data.every((r) => r.make === 'Hyundai')).toBe(true);
    expect(body.meta.total).toBeGreaterThanOrEqual(recent.filter((r) => r.make === 'Hyundai').length);
  });

  it('accepts RFC 3339 offsets in updated_since', async () => {
    const utc = await getCars(sim, { updated_since: '2025-03-01T00:00:00Z' });
    const seoul = await getCars(sim, { updated_since: '2025-03-01T09:00:00+09:00' });
    expect(seoul.body).toEqual(utc.body);
  });
});
