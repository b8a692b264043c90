import { ApplicationFailure } from '@temporalio/common';
import { createCarsApi, type CarsApi } from '../../src/activities/cars-api';
import { isNonRetryable } from '../../src/errors';
import { createSimulator, type Simulator } from '../../src/simulator/server';

describe('each upstream status maps to one error class', () => {
  let sim: Simulator;
  let api: CarsApi;
  beforeAll(async () => {
    sim = await createSimulator({ seed: 4, size: 50, apiKey: 'k' });
    api = createCarsApi({ url: sim.url, key: 'k', timeoutMs: 5_000 });
  });
  afterAll(async () => {
    await api.close();
    await sim.close();
  });

  it.each([
    [301, 'UpstreamConfigError'],
    [400, 'UpstreamConfigError'],
    [401, 'UpstreamAuthError'],
    [403, 'UpstreamAuthError'],
    [404, 'UpstreamConfigError'],
    [405, 'UpstreamConfigError'],
    [410, 'UpstreamConfigError'],
    [422, 'UpstreamConfigError'],
    [408, 'UpstreamServerError'],
    [429, 'UpstreamRateLimitedError'],
    [500, 'UpstreamServerError'],
    [502, 'UpstreamServerError'],
    [503, 'UpstreamServerError'],
    [504, 'UpstreamServerError'],
    [599, 'UpstreamServerError'],
  ])('%i is %s', async (status, type) => {
    sim.setFaults({ forcedStatus: status });
    const err = await api.fetchPage({ perPage: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe(type);
    expect((err as ApplicationFailure).message).toContain(String(status));
    // Only 408, 429 and 5xx are worth another try.
    expect(isNonRetryable(err)).toBe(!(status === 408 || status === 429 || status >= 500));
  });
});
