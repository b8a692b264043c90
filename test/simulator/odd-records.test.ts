import { Dataset } from '../../src/simulator/dataset';
import { ODD_KINDS } from '../../src/simulator/generate';
import { createSimulator } from '../../src/simulator/server';
import { AUTH, carsUrl } from './helpers';

describe('odd records on request (oddShare)', () => {
  it('leaves every other record of a seed as it was', () => {
    const plain = new Dataset({ seed: 8, size: 5000 });
    const odd = new Dataset({ seed: 8, size: 5000, oddShare: 0.05 });
    const oddKeys = new Set(odd.oddRecords().map((o) => o.key));
    expect(oddKeys.size / 5000).toBeGreaterThan(0.03);
    expect(odd.validCars()).toEqual(plain.validCars().filter((car) => !oddKeys.has(car.id)));
    expect(new Dataset({ seed: 8, size: 5000, oddShare: 0 }).all()).toEqual(plain.all());
  });

  it('serves each kind as JSON a client parses, and lists it in oddRecords', async () => {
    const dataset = new Dataset({ seed: 8, size: 3000, oddShare: 0.05 });
    const sim = await createSimulator({ dataset });
    try {
      const answer = await fetch(carsUrl(sim, { per_page: 1000, max_id: dataset.maxId }), { headers: AUTH });
      const served = ((await answer.json()) as { data: unknown[] }).data;
      const odd = dataset.oddRecords().filter((o) => o.key <= dataset.keys()[999]);
      expect(new Set(odd.map((o) => o.kind))).toEqual(new Set(ODD_KINDS));
      const keys = dataset.keys();
      for (const o of odd) {
        const element = served[keys.indexOf(o.key)];
        if (o.kind === 'deep') expect(Array.isArray((element as { images: unknown[] }).images[0])).toBe(true);
        else expect(element).toEqual(o.served);
      }
      const texts = odd.filter((o) => o.kind === 'nul' || o.kind === 'lone_surrogate').map((o) => JSON.stringify(o.served));
      expect(texts.every((text) => /\\u0000|\\ud[89a-f]/.test(text))).toBe(true);
      expect(odd.filter((o) => o.kind === 'non_object').map((o) => o.served)).toEqual(expect.arrayContaining([null]));
    } finally {
      await sim.close();
    }
  });
});
