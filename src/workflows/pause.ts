import { CancellationScope, condition, isCancellation, patched } from '@temporalio/workflow';
import type { RangeChildren } from './children';
import { pauseSignal, resumeSignal } from './messages';

/** Patches: a pause has a limit; pauses are recorded in the database. */
export const PAUSE_PATCHES = { maxPause: 'max-pause', recordPause: 'record-pause' } as const;

/** The pause a run hands to its next run when it continues as new. */
export interface CarriedPause {
  paused: boolean;
  seq: number;
  /** Workflow time the pause began, so `maxPauseSeconds` counts across the hand-over. */
  sinceMs: number | null;
}

/**
 * The run's pause, as signalled and as recorded. Every upstream request checks the pause as recorded
 * in the database, on any worker, one started after the pause too. Records are numbered, so a slow
 * record of a pause cannot undo a later resume. A run started by older workers replays its earlier
 * pauses without records (the patch).
 */
export class PauseState {
  paused: boolean;
  sinceMs: number | null;
  private seq: number;

  constructor(
    private readonly recordPause: (paused: boolean, seq: number) => Promise<void>,
    private readonly children: RangeChildren,
    carried: CarriedPause = { paused: false, seq: 0, sinceMs: null },
  ) {
    ({ paused: this.paused, seq: this.seq, sinceMs: this.sinceMs } = carried);
  }

  async set(paused: boolean, show: () => void): Promise<void> {
    const seq = ++this.seq;
    if (paused) {
      if (!this.paused) this.sinceMs = Date.now();
      this.paused = true;
      show();
      await Promise.all([this.record(true, seq), this.children.tell((child) => child.signal(pauseSignal))]);
      return;
    }
    // Cleared before anything may start again; a pause or resume that came meanwhile has the last word.
    await this.record(false, seq);
    if (seq !== this.seq) return;
    this.paused = false;
    this.sinceMs = null;
    show();
    await this.children.tell((child) => child.signal(resumeSignal));
  }

  carry(): CarriedPause {
    return { paused: this.paused, seq: this.seq, sinceMs: this.sinceMs };
  }

  private async record(paused: boolean, seq: number): Promise<void> {
    if (patched(PAUSE_PATCHES.recordPause)) await CancellationScope.nonCancellable(() => this.recordPause(paused, seq));
  }
}

/**
 * Calls `outlived` once a pause lasts longer than `maxPauseSeconds` (0: no limit). Its timer exists
 * only while the run is paused; runs that recorded a pause before the patch replay without it.
 */
export async function limitPause(pause: PauseState, maxPauseSeconds: number, outlived: () => void): Promise<void> {
  try {
    for (;;) {
      await condition(() => pause.paused);
      if (!(maxPauseSeconds > 0 && patched(PAUSE_PATCHES.maxPause))) await condition(() => !pause.paused);
      else if (!(await condition(() => !pause.paused, pauseLeftMs(pause.sinceMs, maxPauseSeconds)))) return outlived();
    }
  } catch (err) {
    // A cancelled run stops watching its pause; its own close reports the cancellation.
    if (!isCancellation(err)) throw err;
  }
}

/** What is left of the pause's limit: all of it for a pause that began in this run's current task, less for one carried over. */
export function pauseLeftMs(sinceMs: number | null, maxPauseSeconds: number): number {
  const elapsedMs = sinceMs === null ? 0 : Math.max(0, Date.now() - sinceMs);
  // A timer needs a positive duration: a limit already passed fires at once.
  return Math.max(1, maxPauseSeconds * 1000 - elapsedMs);
}
