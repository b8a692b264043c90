import type { SyncMode } from '../sync-types';

/** Who asked for a run: an operator's `start`, or a schedule. */
export type RunTrigger = 'manual' | 'schedule';

/** The memo and summary a run starts with, so the Web UI and `temporal workflow list` tell runs apart. */
export function runLabels(mode: SyncMode, trigger: RunTrigger): { memo: { mode: SyncMode; trigger: RunTrigger }; staticSummary: string } {
  return { memo: { mode, trigger }, staticSummary: `carsync ${mode} sync, ${trigger === 'manual' ? 'started by hand' : 'scheduled'}` };
}
