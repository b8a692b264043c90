import { checkPage } from '../../src/activities/page-contract';

const cars = (...ids: unknown[]) => ids.map((id) => ({ id, make: 'Kia' }));
const page = (ids: unknown[], next: number | null, perPage?: number) => ({ data: cars(...ids), meta: { next_after_id: next, per_page: perPage } });

describe('a page checked against the contract', () => {
  it('moves a range on by its last id and proves the interval up to it', () => {
    expect(checkPage({ afterId: 10, maxId: 100 }, 3, page([11, 13, 20], 20))).toEqual({
      records: cars(11, 13, 20),
      afterId: 20,
      done: false,
      coverage: { throughId: 20 },
      violation: null,
    });
  });

  it('does not end a range at a page shorter than asked, whatever meta.per_page says', () => {
    expect(checkPage({ afterId: 10, maxId: null }, 1000, page([11, 12], 12, 250))).toMatchObject({ afterId: 12, done: false, violation: null });
    expect(checkPage({ afterId: 10, maxId: 500 }, 1000, page([11, 12], 12, 1000))).toMatchObject({ afterId: 12, done: false, violation: null });
  });

  it('ends a range at an empty page, proving the rest of it, or at its last id', () => {
    expect(checkPage({ afterId: 10, maxId: 100 }, 5, page([], null))).toEqual({
      records: [],
      afterId: 10,
      done: true,
      coverage: { throughId: 100 },
      violation: null,
    });
    expect(checkPage({ afterId: 10, maxId: null }, 5, page([], null))).toMatchObject({ done: true, coverage: { throughId: null } });
    expect(checkPage({ afterId: 10, maxId: 100 }, 5, page([50, 100], 100))).toMatchObject({ afterId: 100, done: true, coverage: { throughId: 100 } });
  });

  it('takes next_after_id as the end of a page whose last record has no usable id', () => {
    expect(checkPage({ afterId: 10, maxId: 100 }, 3, page([11, 'x', null], 14))).toMatchObject({ afterId: 14, coverage: { throughId: 14 }, violation: null });
  });

  it('never moves past ids the page did not return, and proves nothing, when next_after_id jumps', () => {
    const checked = checkPage({ afterId: 10, maxId: 100 }, 3, page([11, 12, 13], 40));
    expect(checked).toMatchObject({ afterId: 13, done: false, coverage: null });
    expect(checked.violation).toBe('page after_id=10 max_id=100: next_after_id 40 is not the last id on the page (13)');
  });

  it('leaves out records outside (after_id, max_id], goes on from the last one inside, and says so', () => {
    const checked = checkPage({ afterId: 10, maxId: 100 }, 5, page([9, 50, 60, 101], 60));
    expect(checked).toMatchObject({ records: cars(50, 60), afterId: 60, coverage: null });
    expect(checked.violation).toContain('2 record(s) with ids outside (after_id, max_id], not written');
  });

  it('refuses to prove a page larger than asked or than meta.per_page, or out of order', () => {
    expect(checkPage({ afterId: 0, maxId: null }, 2, page([1, 2, 3], 3)).violation).toContain('3 records, more than the 2 asked');
    expect(checkPage({ afterId: 0, maxId: null }, 10, page([1, 2, 3], 3, 2)).violation).toContain('more than the 2 asked');
    const unordered = checkPage({ afterId: 0, maxId: null }, 10, page([1, 3, 2], 2));
    expect(unordered).toMatchObject({ afterId: 2, coverage: null });
    expect(unordered.violation).toContain('ids not strictly ascending');
  });

  it('does not take a null next_after_id on a page with records for the end', () => {
    const checked = checkPage({ afterId: 0, maxId: null }, 10, page([1, 2], null));
    expect(checked).toMatchObject({ afterId: 2, done: false, coverage: null });
    expect(checked.violation).toContain('next_after_id is null on a page of 2 records');
  });

  it('ends a range it cannot go on in, unproven', () => {
    const checked = checkPage({ afterId: 50, maxId: 100 }, 10, page([1, 2], 2));
    expect(checked).toMatchObject({ records: [], afterId: 50, done: true, coverage: null });
    expect(checked.violation).toContain('no id inside the range to go on from');
    expect(checkPage({ afterId: 50, maxId: 100 }, 10, page([], 70))).toMatchObject({ done: true, coverage: null });
  });
});
