import { createSimulator } from '../../src/simulator/server';
import type { Simulator } from '../../src/simulator/server';
import { getJson } from './helpers';

describe('GET /v1/cars authentication', () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await createSimulator({ size: 50, apiKey: 'right-key', forbiddenKeys: ['read-nothing'] });
  });
  afterAll(() => sim.close());

  const url = (): string => `${sim.url}/v1/cars`;

  it('serves a request with the right bearer key', async () => {
    expect((await getJson(url(), { authorization: 'Bearer right-key' })).status).toBe(200);
  });

  it.each([
    ['no Authorization header', {}],
    ['a wrong key', { authorization: 'Bearer wrong-key' }],
    ['another scheme', { authorization: 'Basic right-key' }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ])('answers 401 unauthorized for %s, with rate-limit headers', async (_, headers: Record<string, string>) => {
    const { status, headers: answer, body } = await getJson(url(), headers);
    expect(status).toBe(401);
    expect(body).toEqual({ error: 'unauthorized' });
    expect(answer.get('x-ratelimit-limit')).not.toBeNull();
    expect(answer.get('x-ratelimit-reset')).not.toBeNull();
  });

  it('answers 403 forbidden for a key that may not read the listing', async () => {
    const { status, body } = await getJson(url(), { authorization: 'Bearer read-nothing' });
    expect(status).toBe(403);
    expect(body).toEqual({ error: 'forbidden' });
  });

  it('leaves the admin API open', async () => {
    expect((await getJson(`${sim.url}/_admin/stats`, {})).status).toBe(200);
  });
});
