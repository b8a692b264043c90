import { createSimulator } from '../../src/simulator/server';
import type { Simulator } from '../../src/simulator/server';
import type { WireCar } from '../../src/simulator/record';
import { AUTH, getCars, getJson } from './helpers';

async function call(sim: Simulator, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

describe('admin API', () => {
  let sim: Simulator;

  beforeEach(async () => {
    sim = await createSimulator({ size: 300 });
  });
  afterEach(() => sim.close());

  it('reports stats of the listing requests only', async () => {
    await getCars(sim);
    await getCars(sim, { page: 0 });
    const { status, body } = await getJson(`${sim.url}/_admin/stats`, {});
    expect(status).toBe(200);
    expect(body).toMatchObject({ requests: 2, byStatus: { 200: 1, 400: 1 }, maxRequestsInAnyWindow: 2, listed: 300 });
    expect((await call(sim, 'DELETE', '/_admin/stats')).status).toBe(204);
    expect(sim.stats.requests).toBe(0);
  });

  it('sets faults, rate limit and latency, and rejects bad settings', async () => {
    const set = await call(sim, 'POST', '/_admin/faults', { serverErrorRate: 1, rateLimit: 50, latencyMs: 5 });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ faults: { serverErrorRate: 1 }, rateLimit: 50, latencyMs: 5 });
    expect((await fetch(`${sim.url}/v1/cars`, { headers: AUTH })).status).toBeGreaterThanOrEqual(500);
    await call(sim, 'POST', '/_admin/faults', { serverErrorRate: 0, rateLimit: null, outageForMs: 60_000 });
    expect((await getCars(sim)).status).toBe(503);
    for (const bad of [{ serverErrorRate: 2 }, { resetRate: 'high' }, { bogus: 1 }, { rateLimit: 0 }, '{not json', [1]]) {
      const res = await call(sim, 'POST', '/_admin/faults', bad);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_body' });
    }
  });

  it('lists, changes, reads and delists cars', async () => {
    const created = await call(sim, 'POST', '/_admin/cars', { make: 'Genesis', model: 'GV80', fuel: 'steam' });
    expect(created.status).toBe(201);
    const car = created.body as WireCar & { id: number };
    expect(car).toMatchObject({ make: 'Genesis', model: 'GV80', fuel: 'steam' });
    expect(car.id).toBeGreaterThan(sim.dataset.keys()[298]);
    const patched = await call(sim, 'PATCH', `/_admin/cars/${car.id}`, { price: 1_000_000, status: 'sold' });
    expect(patched.body).toMatchObject({ id: car.id, price: 1_000_000, status: 'sold' });
    expect((patched.body as WireCar).updated_at > car.updated_at).toBe(true);
    const repriced = await call(sim, 'PATCH', `/_admin/cars/${car.id}`);
    expect((repriced.body as WireCar).price).not.toBe(1_000_000);
    expect((await call(sim, 'GET', `/_admin/cars/${car.id}`)).body).toEqual(repriced.body);
    expect((await call(sim, 'DELETE', `/_admin/cars/${car.id}`)).status).toBe(204);
    expect((await call(sim, 'DELETE', `/_admin/cars/${car.id}`)).status).toBe(404);
    expect((await call(sim, 'PATCH', `/_admin/cars/${car.id}`, { price: 1 })).status).toBe(404);
    const all = await call(sim, 'GET', '/_admin/cars');
    expect(all.body).toEqual(sim.dataset.all());
  });

  it('rejects bad car bodies and ids with 400', async () => {
    for (const bad of [{ year: 'new' }, { price: 1.5 }, { id: 5 }, { images: [1] }]) {
      expect((await call(sim, 'POST', '/_admin/cars', bad)).status).toBe(400);
    }
    expect((await call(sim, 'PATCH', '/_admin/cars/abc', { price: 1 })).status).toBe(400);
    expect((await call(sim, 'GET', '/_admin/nothing')).status).toBe(404);
  });
});
