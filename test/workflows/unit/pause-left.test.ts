import { pauseLeftMs } from '../../../src/workflows/pause';

describe('pauseLeftMs', () => {
  afterEach(() => jest.useRealTimers());

  it('is the whole limit for a pause that began now, and what is left for one carried from an earlier run', () => {
    jest.useFakeTimers({ now: 100_000 });
    expect(pauseLeftMs(100_000, 60)).toBe(60_000);
    expect(pauseLeftMs(null, 60)).toBe(60_000);
    expect(pauseLeftMs(70_000, 60)).toBe(30_000);
  });

  it('fires at once for a limit already passed', () => {
    jest.useFakeTimers({ now: 100_000 });
    expect(pauseLeftMs(10_000, 60)).toBe(1);
  });
});
