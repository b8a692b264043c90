import { makeFilter, MAX_MAKE_PARAM_CHARS } from '../../src/activities/make-filter';

describe('the make filter', () => {
  it('leaves out makes a comma-separated make= list cannot name exactly', () => {
    expect(makeFilter(['Kia', 'Rolls, Royce', '', ' BMW', 'Audi '])).toEqual({ makes: ['Kia'], leftOut: ['Rolls, Royce', '', ' BMW', 'Audi '] });
  });

  it('leaves out a stored make that was cleaned of text PostgreSQL cannot hold', () => {
    expect(makeFilter(['Kia', 'Ki\uFFFDa'])).toEqual({ makes: ['Kia'], leftOut: ['Ki\uFFFDa'] });
  });

  it('keeps the encoded list within its cap, the first makes first', () => {
    const makes = Array.from({ length: 400 }, (_, i) => `Make ${String(i).padStart(3, '0')} & Sons`);
    const { makes: named, leftOut } = makeFilter(makes);
    expect(named).toEqual(makes.slice(0, named.length));
    expect(leftOut).toEqual(makes.slice(named.length));
    const encoded = new URLSearchParams({ make: named.join(',') }).toString().length - 'make='.length;
    expect(encoded).toBeLessThanOrEqual(MAX_MAKE_PARAM_CHARS);
    const oneMore = new URLSearchParams({ make: makes.slice(0, named.length + 1).join(',') }).toString().length - 'make='.length;
    expect(oneMore).toBeGreaterThan(MAX_MAKE_PARAM_CHARS);
  });
});
