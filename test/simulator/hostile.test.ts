import { createGunzip } from 'node:zlib';
import { Agent, request } from 'undici';
import { createSimulator } from '../../src/simulator/server';
import type { Simulator } from '../../src/simulator/server';
import { AUTH } from './helpers';

const MiB = 1024 * 1024;

describe('hostile answers on request', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await createSimulator({ size: 2000, apiKey: 'sk-echo-me-123', forbiddenKeys: ['read-nothing'] });
  });
  afterEach(() => sim.close());

  const url = (): string => `${sim.url}/v1/cars?per_page=1000`;
  const auth = (key = 'sk-echo-me-123') => ({ authorization: `Bearer ${key}` });

  it('echoKey repeats the presented key in 401, 403 and 5xx bodies and in X-Echo-Authorization', async () => {
    sim.setFaults({ echoKey: true });
    const refused = await request(url(), { headers: auth('sk-wrong-456') });
    expect(refused.statusCode).toBe(401);
    expect(await refused.body.json()).toEqual({ error: 'unauthorized', message: 'key not recognised: Bearer sk-wrong-456' });
    expect(refused.headers['x-echo-authorization']).toBe('Bearer sk-wrong-456');
    const forbidden = await request(url(), { headers: auth('read-nothing') });
    expect(forbidden.statusCode).toBe(403);
    expect(await forbidden.body.text()).toContain('Bearer read-nothing');
    sim.setFaults({ serverErrorRate: 1 });
    for (let i = 0; i < 12; i++) {
      const failed = await request(url(), { headers: auth() });
      expect(failed.statusCode).toBeGreaterThanOrEqual(500);
      expect(await failed.body.text()).toContain('Bearer sk-echo-me-123');
    }
  });

  it('gzipBombRate sends about a megabyte that inflates without end in sight', async () => {
    sim.setFaults({ gzipBombRate: 1 });
    const res = await request(url(), { headers: { ...auth(), 'accept-encoding': 'gzip' } });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(Number(res.headers['content-length'])).toBeLessThan(2 * MiB);
    let inflated = 0;
    let head = '';
    const gunzip = res.body.pipe(createGunzip());
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      if (head === '') head = chunk.toString('utf8', 0, 9);
      inflated += chunk.length;
      if (inflated > 64 * MiB) break;
    }
    res.body.destroy();
    expect(head).toBe('{"data":[');
    expect(inflated).toBeGreaterThan(64 * MiB);
    expect(sim.stats.bodyFaults).toEqual({ gzipBomb: 1 });
  });

  it('endlessBodyRate sends a body that never ends, and stops when the client hangs up', async () => {
    sim.setFaults({ endlessBodyRate: 1 });
    const res = await request(url(), { headers: auth() });
    expect(res.headers['content-length']).toBeUndefined();
    let received = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received > 8 * MiB) break;
    }
    expect(received).toBeGreaterThan(8 * MiB);
    sim.setFaults({ endlessBodyRate: 0 });
    expect((await request(url(), { headers: auth() })).statusCode).toBe(200);
  });

  it('stallRate sends the headers and half the body, then nothing', async () => {
    sim.setFaults({ stallRate: 1 });
    const dispatcher = new Agent({ bodyTimeout: 300 });
    try {
      const res = await request(url(), { headers: auth(), dispatcher });
      expect(res.statusCode).toBe(200);
      await expect(res.body.arrayBuffer()).rejects.toMatchObject({ code: 'UND_ERR_BODY_TIMEOUT' });
    } finally {
      await dispatcher.destroy();
    }
  });

  it('slowBodyRate trickles the whole page out in pieces', async () => {
    sim.setFaults({ slowBodyRate: 1, slowBodyMs: 400 });
    const res = await request(url(), { headers: { ...auth(), 'accept-encoding': 'identity' } });
    const chunks: Buffer[] = [];
    for await (const chunk of res.body as AsyncIterable<Buffer>) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThanOrEqual(4);
    expect(JSON.parse(Buffer.concat(chunks).toString('utf8')).data).toHaveLength(1000);
  });

  it('wrongTypeRate answers 200 with an HTML page', async () => {
    sim.setFaults({ wrongTypeRate: 1 });
    const res = await request(url(), { headers: auth() });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(await res.body.text()).toContain('<html>');
  });

  it.each([
    ['seconds', (v: string) => expect(v).toBe('1')],
    ['epoch-seconds', (v: string) => expect(Math.abs(Number(v) - Date.now() / 1000)).toBeLessThan(60)],
    ['year-seconds', (v: string) => expect(Number(v)).toBe(365 * 24 * 3600)],
    ['year-date', (v: string) => expect(Date.parse(v) - Date.now()).toBeGreaterThan(300 * 24 * 3600 * 1000)],
  ] as const)('retryAfterStyle %s shapes the Retry-After of 429s', async (style, check) => {
    sim.setFaults({ rateLimitStormUntil: Date.now() + 60_000, retryAfterStyle: style });
    const res = await request(url(), { headers: auth() });
    await res.body.dump();
    expect(res.statusCode).toBe(429);
    check(res.headers['retry-after'] as string);
  });

  it('closeConnections closes every connection after its answer; chunked drops Content-Length', async () => {
    sim.setFaults({ closeConnections: true, chunked: true });
    const res = await request(url(), { headers: { ...auth(), 'accept-encoding': 'gzip' } });
    expect(res.headers.connection).toBe('close');
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.headers['content-length']).toBeUndefined();
    const chunks: Buffer[] = [];
    for await (const chunk of res.body.pipe(createGunzip()) as AsyncIterable<Buffer>) chunks.push(chunk);
    expect(JSON.parse(Buffer.concat(chunks).toString('utf8')).data).toHaveLength(1000);
  });

  it('forcedStatus answers every authorised listing request with that status', async () => {
    sim.setFaults({ forcedStatus: 422 });
    const res = await request(url(), { headers: auth() });
    expect(res.statusCode).toBe(422);
    expect(await res.body.json()).toEqual({ error: 'status_422' });
    expect((await request(url(), { headers: auth('sk-wrong') })).statusCode).toBe(401);
    expect(() => sim.setFaults({ forcedStatus: 99 })).toThrow(RangeError);
  });

  it('are set through the admin API, which refuses bad values', async () => {
    const admin = (body: unknown) =>
      fetch(`${sim.url}/_admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const set = await admin({ echoKey: true, gzipBombRate: 0.5, slowBodyMs: 250, retryAfterStyle: 'epoch-seconds', chunked: true });
    expect(set.status).toBe(200);
    expect(sim.settings().faults).toMatchObject({ echoKey: true, gzipBombRate: 0.5, slowBodyMs: 250, retryAfterStyle: 'epoch-seconds', chunked: true });
    for (const bad of [{ echoKey: 'yes' }, { stallRate: 2 }, { retryAfterStyle: 'later' }, { slowBodyMs: -1 }]) {
      expect((await admin(bad)).status).toBe(400);
    }
    expect(() => sim.setFaults({ wrongTypeRate: -0.1 })).toThrow(RangeError);
    const stats = await (await fetch(`${sim.url}/_admin/stats`, { headers: AUTH })).json();
    expect(stats).toMatchObject({ bodyFaults: {} });
  });
});
