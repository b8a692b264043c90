import { ApplicationFailure } from '@temporalio/common';
import { createCarsApi } from '../../src/activities/cars-api';
import { createSimulator, type Simulator } from '../../src/simulator/server';

const KEY = 'sk-live-ECHOED-4242';

describe('upstream text that repeats the key never carries it into an error', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await createSimulator({ seed: 4, size: 50, apiKey: KEY, forbiddenKeys: [`${KEY}-ro`] });
    sim.setFaults({ echoKey: true });
  });
  afterAll(() => sim.close());

  async function failureWith(key: string): Promise<ApplicationFailure> {
    const api = createCarsApi({ url: sim.url, key, timeoutMs: 5_000 });
    try {
      const err = await api.fetchPage({ perPage: 1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApplicationFailure);
      return err as ApplicationFailure;
    } finally {
      await api.close();
    }
  }

  it.each([
    ['401', `${KEY}-revoked`, () => sim.setFaults({ serverErrorRate: 0 })],
    ['403', `${KEY}-ro`, () => sim.setFaults({ serverErrorRate: 0 })],
    ['5xx', KEY, () => sim.setFaults({ serverErrorRate: 1 })],
  ])('in a %s body', async (_status, key, arrange) => {
    arrange();
    const failure = await failureWith(key);
    expect(failure.message).toContain('Bearer [redacted]');
    expect(JSON.stringify(failure)).not.toContain(KEY);
    expect(failure.message).not.toContain(KEY);
  });
});
