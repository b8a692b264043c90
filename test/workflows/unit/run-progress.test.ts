import { ZERO_COUNTS, type RunPlan } from '../../../src/sync-types';
import { detailsText, RunProgress, type RunStanding } from '../../../src/workflows/progress';

const plan = { mode: 'full', total: 1_000, startedAtMs: 10_000, tuning: { pageSize: 100 } } as RunPlan;
const running: RunStanding = { state: 'running', paused: false, plan, rangesTotal: 2, rangesRunning: 2 };
const pages = (range: number, carsSeen: number, finishedAtMs: number) => ({
  ...ZERO_COUNTS,
  pages: carsSeen / 100,
  carsSeen,
  inserted: carsSeen,
  range,
  finishedAtMs,
});

describe('RunProgress', () => {
  it('counts running ranges as they report, and finished ranges by their result alone', () => {
    const p = new RunProgress();
    p.pagesSynced(pages(1, 200, 12_000));
    p.pagesSynced(pages(2, 300, 12_000));
    expect(p.snapshot(running)).toMatchObject({ carsSeen: 500, pagesDone: 5, rowsPerSecond: 250, etaSeconds: 2, rangesDone: 0 });
    p.rangeFinished(1, 0, { ...pages(1, 400, 14_000), finishedAtMs: 14_000 });
    expect(p.snapshot(running)).toMatchObject({ carsSeen: 700, rangesDone: 1, pagesTotal: 11 });
    expect(p.passSeen.get(0)).toBe(400);
  });

  it('shows backing-off only while every running range waits, and the last trouble', () => {
    const p = new RunProgress();
    p.rangeBackingOff({ range: 1, reason: 'upstream answered 503', retries: 5, waitSeconds: 15 });
    expect(p.snapshot(running)).toMatchObject({ state: 'running', backingOff: 1, retries: 5, lastError: 'range 1: upstream answered 503 (waiting 15 s)' });
    p.rangeBackingOff({ range: 2, reason: 'reset', retries: 5, waitSeconds: 20 });
    expect(p.snapshot(running).state).toBe('backing-off');
    p.pagesSynced(pages(2, 100, 11_000));
    expect(p.snapshot(running).state).toBe('running');
    expect(p.snapshot({ ...running, paused: true }).state).toBe('paused');
  });

  it('tells its story in the Web UI details', () => {
    const p = new RunProgress();
    p.pagesSynced(pages(1, 500, 12_000));
    expect(detailsText(p.snapshot(running))).toBe(
      '**running** (full): 5/11 pages, 500/1000 cars, 250 cars/s, ETA 2 s; ranges 0/2; inserted 500, updated 0, unchanged 0, removed 0, rejected 0, retries 0',
    );
    p.verification = { verified: false, unverifiedReasons: ['page 3 went backwards'] };
    expect(detailsText(p.snapshot({ ...running, state: 'unverified' }))).toContain(
      'completeness not verified, so nothing was marked removed:\n- page 3 went backwards',
    );
  });

  it('hands its counts to a next run, which goes on from them', () => {
    const p = new RunProgress();
    p.rangeFinished(1, 0, { ...pages(1, 400, 14_000), finishedAtMs: 14_000 });
    p.rangeBackingOff({ range: 2, reason: 'reset', retries: 5, waitSeconds: 20 });
    p.rangeFinished(2, 1, { ...pages(2, 200, 15_000), retries: 5, finishedAtMs: 15_000 });
    p.rangeStopped(2);
    const next = RunProgress.carried(JSON.parse(JSON.stringify(p.carry())));
    expect(next.snapshot(running)).toEqual(p.snapshot(running));
    next.rangeFinished(3, 1, { ...pages(3, 100, 16_000), finishedAtMs: 16_000 });
    expect(next.snapshot(running)).toMatchObject({ carsSeen: 700, retries: 5, rangesDone: 3, lastError: 'range 2: reset (waiting 20 s)' });
    expect([...next.passSeen]).toEqual([
      [0, 400],
      [1, 300],
    ]);
    expect(next.finished(1) && next.finished(2)).toBe(true);
  });
});
