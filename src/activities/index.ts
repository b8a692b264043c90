import type { ActivityDeps } from './deps';
import { createFinishRun } from './finish-run';
import { createRecordPause } from './record-pause';
import { createStartRun } from './start-run';
import { createSyncPages } from './sync-page';

export type { ActivityDeps } from './deps';

/** Every activity of carsync, bound to its dependencies. Workflows see only this type. */
export function createActivities(deps: ActivityDeps) {
  return {
    startRun: createStartRun(deps),
    syncPages: createSyncPages(deps),
    finishRun: createFinishRun(deps),
    recordPause: createRecordPause(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
