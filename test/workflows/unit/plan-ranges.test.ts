import type { Pass, RunPlan } from '../../../src/sync-types';
import type { Tuning } from '../../../src/tuning';
import { planRanges, type RangeJob } from '../../../src/workflows/ranges';

/** A small seeded generator (mulberry32), so a failing case can be replayed from its seed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TUNING: Tuning = {
  pageSize: 100,
  concurrency: 4,
  requestsPerSecond: 0,
  batchSize: 100,
  pagesPerRange: 10,
  maxRemovalShare: 0.1,
  giveUpAfterSeconds: 60,
  priorityMakes: [],
  incrementalOverlapSeconds: 0,
  maxPauseSeconds: 1800,
};

function plan(passes: Pass[], tuning: Partial<Tuning> = {}): RunPlan {
  return {
    runId: 'run',
    mode: 'full',
    tuning: { ...TUNING, ...tuning },
    total: passes.reduce((n, p) => n + p.total, 0),
    passes,
    highWaterMark: '',
    notes: [],
    startedAtMs: 0,
  };
}

function pass(name: string, total: number, firstId: number | null, lastId: number | null): Pass {
  return { name, filter: {}, total, firstId, lastId, trackRemovals: true, revisits: false };
}

/** Every id in 1..limit falls in exactly one of the pass's ranges, and the ranges are in id order. */
function expectCoverage(ranges: RangeJob[], limit: number): void {
  let afterId = 0;
  for (const { range } of ranges) {
    expect(range.afterId).toBe(afterId);
    if (range.maxId === null) return expect(range).toBe(ranges.at(-1)!.range);
    expect(range.maxId).toBeGreaterThan(range.afterId);
    afterId = range.maxId;
  }
  throw new Error(`the last range ends at ${afterId}, below ${limit}: it must be open-ended`);
}

describe('planRanges', () => {
  it('covers every id of each pass exactly once, in order, for random listings and tunings', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const next = random(seed);
      const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
      const passes = Array.from({ length: int(1, 2) }, (_, i) => {
        const total = int(0, 50_000);
        const firstId = total === 0 ? null : int(1, 1_000);
        return pass(`pass ${i}`, total, firstId, firstId === null ? null : firstId + total - 1 + int(0, 20_000));
      });
      const tuning = { pageSize: int(1, 1000), concurrency: int(1, 16), pagesPerRange: int(1, 20), requestsPerSecond: next() < 0.5 ? 0 : int(1, 50) };
      const jobs = planRanges(plan(passes, tuning));
      expect(jobs.map((j) => j.index)).toEqual(jobs.map((_, i) => i + 1));
      passes.forEach((p, i) => {
        const ofPass = jobs.filter((j) => j.pass === i);
        expect(ofPass.every((j) => j.passName === p.name)).toBe(true);
        expectCoverage(ofPass, p.lastId ?? 0);
      });
      // Passes run one after the other: a pass's ranges are contiguous in the job list.
      expect(jobs.map((j) => j.pass)).toEqual([...jobs.map((j) => j.pass)].sort((a, b) => a - b));
    }
  });

  it('cuts a budgeted pass into as few, even ranges as the lanes allow', () => {
    const jobs = planRanges(plan([pass('all', 8_000, 1, 8_000)], { requestsPerSecond: 5, concurrency: 4, pageSize: 100, pagesPerRange: 100 }));
    expect(jobs.map((j) => j.range)).toEqual([
      { afterId: 0, maxId: 2_000 },
      { afterId: 2_000, maxId: 4_000 },
      { afterId: 4_000, maxId: 6_000 },
      { afterId: 6_000, maxId: null },
    ]);
  });

  it('plans one open range for an empty listing', () => {
    expect(planRanges(plan([pass('all', 0, null, null)])).map((j) => j.range)).toEqual([{ afterId: 0, maxId: null }]);
  });
});
