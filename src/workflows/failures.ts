import { ApplicationFailure } from '@temporalio/workflow';

/** The innermost cause of a failure chain (child → activity → application failure): what went wrong. */
export function rootCause(err: unknown): unknown {
  let root = err;
  while (root instanceof Error && root.cause instanceof Error) root = root.cause;
  return root;
}

/** True when an activity stopped because the run has recorded a pause (RunPausedError in src/errors.ts). */
export function isRunPaused(err: unknown): boolean {
  const root = rootCause(err);
  return root instanceof ApplicationFailure && root.type === 'RunPausedError';
}
