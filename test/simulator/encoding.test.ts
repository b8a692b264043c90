import { request } from 'undici';
import { gunzipSync } from 'node:zlib';
import { createSimulator } from '../../src/simulator/server';
import type { Simulator } from '../../src/simulator/server';
import { AUTH } from './helpers';

describe('GET /v1/cars content encoding', () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await createSimulator({ size: 2000 });
  });
  afterAll(() => sim.close());

  async function raw(acceptEncoding?: string): Promise<{ encoding: string | undefined; body: Buffer; length: number }> {
    const headers: Record<string, string> = { ...AUTH };
    if (acceptEncoding !== undefined) headers['accept-encoding'] = acceptEncoding;
    const res = await request(`${sim.url}/v1/cars?per_page=1000`, { headers });
    expect(res.statusCode).toBe(200);
    expect(res.headers['vary']).toBe('Accept-Encoding');
    const body = Buffer.from(await res.body.arrayBuffer());
    return { encoding: res.headers['content-encoding'] as string | undefined, body, length: Number(res.headers['content-length']) };
  }

  it('gzips when the client accepts gzip, and the content is the same as identity', async () => {
    const plain = await raw();
    const zipped = await raw('gzip, deflate, br');
    expect(plain.encoding).toBeUndefined();
    expect(zipped.encoding).toBe('gzip');
    expect(zipped.length).toBe(zipped.body.length);
    expect(zipped.body.length).toBeLessThan(plain.body.length / 3);
    expect(gunzipSync(zipped.body).toString()).toBe(plain.body.toString());
    expect(JSON.parse(plain.body.toString()).data).toHaveLength(1000);
  });

  it('answers identity when gzip is not offered or is refused', async () => {
    expect((await raw('br, deflate')).encoding).toBeUndefined();
    expect((await raw('gzip;q=0, identity')).encoding).toBeUndefined();
    expect((await raw('GZIP;q=0.5')).encoding).toBe('gzip');
  });
});
