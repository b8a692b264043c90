import type { PageRecords, PageWrite } from '../../src/activities/page-writer';
import { ZERO_COUNTS } from '../../src/sync-types';

/** What the page writer's tests write: a classified page in one batch, tracking no removals, its cursor done. */
export function pageWrite(page: PageRecords, runId: string, overrides: Partial<PageWrite> = {}): PageWrite {
  return {
    runId,
    records: page.records,
    rejects: page.rejects,
    batchSize: 1000,
    seenIds: page.seenIds,
    withdrawSeen: false,
    anomaly: null,
    cursor: { activity: runId, afterId: 0, done: true, carried: ZERO_COUNTS },
    // Pages without rejects have nothing to redact.
    redact: (text) => text,
    ...overrides,
  };
}
