import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { PageCounts, Progress, TuningChange } from '../sync-types';
import type { Tuning } from '../tuning';

/** Operator messages, shared by the workflows and `src/client.ts`. */
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const progressQuery = defineQuery<Progress>('progress');
/** Changes the request rate and concurrency of a running sync; answers with the tuning now in force. */
export const setTuningUpdate = defineUpdate<Tuning, [TuningChange]>('setTuning');

/** Internal: a range child reports the pages each of its activities wrote (all but the last; its result carries those), so progress is live. */
export const pageSyncedSignal = defineSignal<[PageCounts & { range: number; finishedAtMs: number }]>('pageSynced');
/** Internal: a range child reports that it is waiting out upstream trouble. */
export const rangeBackingOffSignal = defineSignal<[{ range: number; reason: string; retries: number; waitSeconds: number }]>('rangeBackingOff');
/** Internal: the parent passes a changed request rate on to its running ranges. */
export const rangeTuningSignal = defineSignal<[{ requestsPerSecond: number }]>('rangeTuning');
