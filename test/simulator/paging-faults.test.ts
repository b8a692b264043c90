import { createSimulator } from '../../src/simulator/server';
import type { Simulator } from '../../src/simulator/server';
import { getCars, walkAfterId } from './helpers';

/** Pages that stray from a plain listing the way real servers of the API do, on request. */
describe('paging faults', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await createSimulator({ size: 2000, invalidShare: 0 });
  });
  afterEach(() => sim.close());

  const ids = (records: { id?: unknown }[]) => records.map((r) => r.id as number);
  const keys = () => sim.dataset.keys();

  it('pageCap serves at most that many records a page, says so in meta.per_page, and pages on to the end', async () => {
    sim.setFaults({ pageCap: 250 });
    const { body } = await getCars(sim, { per_page: 1000, after_id: 0 });
    expect(body.data).toHaveLength(250);
    expect(body.meta).toMatchObject({ per_page: 250, next_after_id: body.data[249].id, last_page: 8 });
    expect(ids(await walkAfterId(sim, {}, 1000))).toEqual(keys());
    expect((await getCars(sim, { per_page: 10 })).body.data).toHaveLength(10);
  });

  it('shortPageRate serves fewer records than asked though more exist, with next_after_id the last id served', async () => {
    sim.setFaults({ shortPageRate: 1 });
    const { body } = await getCars(sim, { per_page: 100, after_id: 0 });
    expect(body.data.length).toBeLessThan(100);
    expect(body.meta).toMatchObject({ per_page: 100, next_after_id: body.data.at(-1)!.id });
    expect(ids(await walkAfterId(sim, {}, 100))).toEqual(keys());
  });

  it('jumpRate gives a next_after_id past records the page did not return', async () => {
    sim.setFaults({ jumpRate: 1 });
    const { body } = await getCars(sim, { per_page: 10, after_id: 0 });
    const skipped = keys().filter((key) => key > (body.data[9].id as number) && key <= body.meta.next_after_id!);
    expect(skipped.length).toBeGreaterThan(0);
  });

  it('outOfRangeRate adds a record from outside (after_id, max_id]', async () => {
    sim.setFaults({ outOfRangeRate: 1 });
    const [first, second] = keys();
    const below = await getCars(sim, { per_page: 10, after_id: second });
    expect(ids(below.body.data)[0]).toBe(second);
    expect(below.body.meta.next_after_id).toBe(below.body.data.at(-1)!.id);
    const above = await getCars(sim, { per_page: 10, after_id: 0, max_id: first });
    expect(ids(above.body.data)).toEqual([first, second]);
    expect(above.body.meta.next_after_id).toBe(first);
  });

  it('oversizeRate serves more records than asked', async () => {
    sim.setFaults({ oversizeRate: 1 });
    const { body } = await getCars(sim, { per_page: 10, after_id: 0 });
    expect(body.data.length).toBeGreaterThan(10);
    expect(body.meta).toMatchObject({ per_page: 10, next_after_id: body.data.at(-1)!.id });
  });

  it('leaves paging by page number alone, and refuses bad settings', async () => {
    sim.setFaults({ shortPageRate: 1, jumpRate: 1, outOfRangeRate: 1, oversizeRate: 1 });
    const { body } = await getCars(sim, { per_page: 10, page: 2 });
    expect(ids(body.data)).toEqual(keys().slice(10, 20));
    expect(() => sim.setFaults({ pageCap: 0 })).toThrow(RangeError);
    expect(() => sim.setFaults({ jumpRate: 2 })).toThrow(RangeError);
  });

  it('can be set through the admin API', async () => {
    const res = await fetch(`${sim.url}/_admin/faults`, { method: 'POST', body: JSON.stringify({ pageCap: 5, jumpRate: 0.5 }) });
    expect(res.status).toBe(200);
    expect(sim.settings().faults).toMatchObject({ pageCap: 5, jumpRate: 0.5, shortPageRate: 0 });
    expect((await getCars(sim, { per_page: 100 })).body.data).toHaveLength(5);
  });
});
