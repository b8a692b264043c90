import { request } from 'undici';
import { createSimulator } from '../../src/simulator/server';
import type { Simulator } from '../../src/simulator/server';
import { AUTH, getCars } from './helpers';
import { waitFor } from '../helpers/wait';

describe('fault injection', () => {
  let sim: Simulator;

  beforeEach(async () => {
    sim = await createSimulator({ size: 2000 });
  });
  afterEach(() => sim.close());

  const url = (): string => `${sim.url}/v1/cars?per_page=1000`;

  it('serverErrorRate 1 answers only 500, 502, 503 and 504, with rate-limit headers', async () => {
    sim.setFaults({ serverErrorRate: 1 });
    const statuses = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const res = await fetch(url(), { headers: AUTH });
      await res.arrayBuffer();
      statuses.add(res.status);
      expect(res.headers.get('x-ratelimit-limit')).not.toBeNull();
    }
    expect([...statuses].sort()).toEqual([500, 502, 503, 504]);
    expect(sim.stats.byStatus[200]).toBeUndefined();
  });

  it('resetRate 1 drops the connection without an answer', async () => {
    sim.setFaults({ resetRate: 1 });
    await expect(request(url(), { headers: AUTH })).rejects.toThrow();
    expect(sim.stats.resets).toBe(1);
  });

  it('truncateRate 1 sends the headers and part of the body, then cuts the connection', async () => {
    sim.setFaults({ truncateRate: 1 });
    for (const encoding of ['gzip', 'identity']) {
      const res = await request(url(), { headers: { ...AUTH, 'accept-encoding': encoding } });
      expect(res.statusCode).toBe(200);
      await expect(res.body.arrayBuffer()).rejects.toThrow();
    }
    expect(sim.stats.truncated).toBe(2);
  });

  it('answers 503 to everything during an outage, and recovers after it', async () => {
    sim.setFaults({ outageUntil: Date.now() + 300 });
    expect((await getCars(sim)).status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await getCars(sim)).status).toBe(200);
  });

  it('faults can be switched off at runtime, and never hide auth or parameter errors', async () => {
    sim.setFaults({ serverErrorRate: 1, resetRate: 1 });
    expect((await getCars(sim, {}, {})).status).toBe(401);
    expect((await getCars(sim, { page: 0 })).status).toBe(400);
    sim.setFaults({ serverErrorRate: 0, resetRate: 0 });
    expect((await getCars(sim)).status).toBe(200);
    expect(() => sim.setFaults({ resetRate: 1.5 })).toThrow(RangeError);
  });

  it('is reproducible: the same fault seed gives the same statuses', async () => {
    const run = async (): Promise<number[]> => {
      sim.setFaults({ serverErrorRate: 0.5, seed: 99 });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await fetch(`${sim.url}/v1/cars?per_page=1`, { headers: AUTH })).status);
      return statuses;
    };
    const first = await run();
    expect(new Set(first).size).toBeGreaterThan(1);
    expect(await run()).toEqual(first);
  });

  it('adds latency', async () => {
    sim.setLatency(150, 20);
    const started = Date.now();
    expect((await getCars(sim, { per_page: 1 })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    expect(sim.settings()).toMatchObject({ latencyMs: 150, latencyJitterMs: 20 });
  });

  it('close ends requests waiting out their latency and keep-alive connections promptly', async () => {
    sim.setLatency(10_000);
    const pending = fetch(url(), { headers: AUTH }).then(
      () => 'answered',
      () => 'failed',
    );
    await waitFor('the request to reach the simulator', () => sim.stats.requests > 0);
    const started = Date.now();
    await sim.close();
    expect(Date.now() - started).toBeLessThan(500);
    expect(await pending).toBe('failed');
  });
});
