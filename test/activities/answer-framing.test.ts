import { createCarsApi } from '../../src/activities/cars-api';
import { createSimulator, type Simulator } from '../../src/simulator/server';

describe('answers framed the ways real servers frame them are read whole', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await createSimulator({ seed: 6, size: 2500, apiKey: 'k' });
  });
  afterAll(() => sim.close());

  it('chunked without Content-Length, closing the connection after each answer, and slow', async () => {
    sim.setFaults({ chunked: true, closeConnections: true, slowBodyRate: 0.5, slowBodyMs: 300 });
    const api = createCarsApi({ url: sim.url, key: 'k', timeoutMs: 10_000 });
    try {
      let records = 0;
      let afterId = 0;
      for (;;) {
        const page = await api.fetchPage({ perPage: 1000, afterId });
        records += page.data.length;
        if (page.meta.next_after_id === null) break;
        afterId = page.meta.next_after_id;
      }
      expect(records).toBe(sim.dataset.size);
      expect(sim.stats.bodyFaults.slowBody).toBeGreaterThan(0);
    } finally {
      await api.close();
    }
  });
});
