import type { SyncInput, SyncSummary } from '../sync-types';
import { SyncRun, type CarriedRun } from './run';

/**
 * A sync run: plans its passes (priority makes first, then the rest), runs one child workflow per id
 * range with bounded concurrency, and closes the run. A run that completed but cannot prove it read
 * everything ends `unverified`. Only a verified full run may mark cars removed. When Temporal suggests
 * it, the run lets its running ranges finish and continues as new, carrying the rest (`carried`).
 * No input at all is a full sync with defaults; startRun refuses any other input that is not a
 * valid object, so this code reads `input` for nothing but its mode.
 */
export async function SyncCarsWorkflow(input: SyncInput = {}, carried?: CarriedRun): Promise<SyncSummary> {
  const run = new SyncRun(input, carried);
  let ranges: 'done' | 'hand-over';
  try {
    await run.start();
    ranges = await run.runRanges();
  } catch (err) {
    return run.stopped(err);
  }
  return ranges === 'hand-over' ? run.continueAsNew() : run.close('completed');
}
