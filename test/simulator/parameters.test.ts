import { createSimulator } from '../../src/simulator/server';
import type { Simulator } from '../../src/simulator/server';
import { AUTH, getJson } from './helpers';

interface ErrorBody {
  error: string;
  message: string;
  parameter?: string;
}

describe('GET /v1/cars parameter validation', () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await createSimulator({ size: 200 });
  });
  afterAll(() => sim.close());

  const bad: [query: string, parameter: string][] = [
    ['page=0', 'page'],
    ['page=-1', 'page'],
    ['page=two', 'page'],
    ['page=1.5', 'page'],
    ['page=', 'page'],
    ['per_page=0', 'per_page'],
    ['per_page=1001', 'per_page'],
    ['per_page=1e3', 'per_page'],
    ['after_id=-5', 'after_id'],
    ['after_id=abc', 'after_id'],
    ['after_id=99999999999999999999', 'after_id'],
    ['max_id=1.0', 'max_id'],
    ['max_id=', 'max_id'],
    ['updated_since=yesterday', 'updated_since'],
    ['updated_since=2025-02-30T00:00:00Z', 'updated_since'],
    ['updated_since=2025-01-01', 'updated_since'],
    ['updated_since=2025-01-01T00:00:00', 'updated_since'],
    ['make=', 'make'],
    ['make=Kia,,BMW', 'make'],
    ['page=2&after_id=100', 'after_id'],
    ['page=1&page=2', 'page'],
  ];

  it.each(bad)('answers 400 naming the parameter for %s', async (query, parameter) => {
    const { status, body } = await getJson<ErrorBody>(`${sim.url}/v1/cars?${query}`);
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_parameter');
    expect(body.parameter).toBe(parameter);
    expect(body.message).toContain(parameter);
  });

  it('accepts the boundaries and ignores unknown parameters', async () => {
    for (const query of ['per_page=1', 'per_page=1000', 'after_id=0', 'max_id=0', 'page=999999', 'sort=desc', 'make=Kia, BMW']) {
      const { status } = await getJson(`${sim.url}/v1/cars?${query}`);
      expect(status).toBe(200);
    }
  });

  it('answers 404 JSON for an unknown path and 405 for another method', async () => {
    const missing = await getJson<ErrorBody>(`${sim.url}/v2/cars`);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('not_found');
    const post = await fetch(`${sim.url}/v1/cars`, { method: 'POST', headers: AUTH });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
  });
});
