import { ApplicationFailure } from '@temporalio/common';
import { createCarsApi, type CarsApi } from '../../src/activities/cars-api';
import { createSimulator, type Simulator } from '../../src/simulator/server';

/** The failure a fetch ends with. */
async function failureOf(fetching: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await fetching.then(
    () => {
      throw new Error('the fetch was expected to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('hostile answers fail their request as a network error, and the client carries on', () => {
  let sim: Simulator;
  let api: CarsApi;
  beforeAll(async () => {
    sim = await createSimulator({ seed: 5, size: 3000, apiKey: 'k' });
    api = createCarsApi({ url: sim.url, key: 'k', timeoutMs: 1500, maxResponseBytes: 4 * 1024 * 1024 });
  });
  afterAll(async () => {
    await api.close();
    await sim.close();
  });
  afterEach(async () => {
    sim.setFaults({ gzipBombRate: 0, endlessBodyRate: 0, stallRate: 0, slowBodyRate: 0, wrongTypeRate: 0 });
    // Whatever the last answer was, the next request is served as usual.
    expect((await api.fetchPage({ perPage: 1000 })).data).toHaveLength(1000);
  });

  it('a gzip bomb is abandoned once it inflates past the limit', async () => {
    sim.setFaults({ gzipBombRate: 1 });
    const failure = await failureOf(api.fetchPage({ perPage: 1000 }));
    expect(failure.type).toBe('UpstreamNetworkError');
    expect(failure.message).toContain('CARSYNC_MAX_RESPONSE_BYTES (4194304 bytes once decompressed)');
  });

  it('an endless body is abandoned once it passes the limit', async () => {
    sim.setFaults({ endlessBodyRate: 1 });
    const failure = await failureOf(api.fetchPage({ perPage: 1000 }));
    expect(failure.type).toBe('UpstreamNetworkError');
    expect(failure.message).toContain('CARSYNC_MAX_RESPONSE_BYTES');
  });

  it('a body that stalls times out', async () => {
    sim.setFaults({ stallRate: 1 });
    const failure = await failureOf(api.fetchPage({ perPage: 1000 }));
    expect(failure.type).toBe('UpstreamNetworkError');
  });

  it('a body that trickles in pieces, each in time, times out as a whole', async () => {
    sim.setFaults({ slowBodyRate: 1, slowBodyMs: 20_000 });
    const failure = await failureOf(api.fetchPage({ perPage: 1000 }));
    expect(failure.type).toBe('UpstreamNetworkError');
    expect(failure.message).toContain('no complete answer within the request timeout (1500 ms)');
  });

  it('a 200 that is not application/json is a network error', async () => {
    sim.setFaults({ wrongTypeRate: 1 });
    const failure = await failureOf(api.fetchPage({ perPage: 1000 }));
    expect(failure.type).toBe('UpstreamNetworkError');
    expect(failure.message).toContain('answered 200 with Content-Type "text/html; charset=utf-8", not application/json');
  });
});
