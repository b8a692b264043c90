import { RangeScheduler } from '../../../src/workflows/scheduler';

const jobs = (...passes: string[]) => passes.map((passName, i) => ({ passName, index: i + 1 }));

describe('RangeScheduler', () => {
  it('starts ranges in order, at most `concurrency` at once', () => {
    const s = new RangeScheduler(jobs('a', 'a', 'a'), 2);
    expect(s.take(false)?.index).toBe(1);
    expect(s.take(false)?.index).toBe(2);
    expect(s.decided(false)).toBe(false);
    expect(s.take(false)).toBeUndefined();
    s.stopped();
    expect(s.take(false)?.index).toBe(3);
    expect(s.decided(false)).toBe(true);
    expect(s.take(false)).toBeUndefined();
  });

  it('starts nothing while paused', () => {
    const s = new RangeScheduler(jobs('a'), 2);
    expect(s.decided(true)).toBe(false);
    expect(s.take(true)).toBeUndefined();
    expect(s.take(false)?.index).toBe(1);
  });

  it('starts a pass only once the ranges of the one before have all stopped', () => {
    const s = new RangeScheduler(jobs('priority', 'rest'), 4);
    expect(s.take(false)?.index).toBe(1);
    expect(s.take(false)).toBeUndefined();
    s.stopped();
    expect(s.take(false)?.index).toBe(2);
  });

  it('takes a new concurrency through setConcurrency, without stopping running ranges', () => {
    const s = new RangeScheduler(jobs('a', 'a', 'a', 'a'), 1);
    s.take(false);
    s.setConcurrency(3);
    expect(s.take(false)?.index).toBe(2);
    expect(s.take(false)?.index).toBe(3);
    s.setConcurrency(1);
    expect(s.running).toBe(3);
    s.stopped();
    s.stopped();
    expect(s.take(false)).toBeUndefined();
    s.stopped();
    expect(s.take(false)?.index).toBe(4);
  });

  it('starts nothing after a failure, and keeps the first', () => {
    const s = new RangeScheduler(jobs('a', 'a'), 1);
    s.take(false);
    s.fail('first');
    s.fail('second');
    s.stopped();
    expect(s.decided(false)).toBe(true);
    expect(s.take(false)).toBeUndefined();
    expect(s.failed).toEqual({ error: 'first' });
  });

  it('carried on by a next run, starts where the earlier run stopped, and says when none is left', () => {
    const s = new RangeScheduler(jobs('a', 'a', 'b'), 2, 2);
    expect(s.started).toBe(2);
    expect(s.remaining).toBe(true);
    expect(s.take(false)?.index).toBe(3);
    expect(s.started).toBe(3);
    expect(s.remaining).toBe(false);
  });
});
