import { Worker } from '@temporalio/worker';
import { recordedHistories } from './histories';

/** The scenarios `npm run record:histories` records; a missing one fails here rather than going unreplayed. */
const SCENARIOS = ['backing-off', 'cancelled', 'continued-as-new', 'failed-auth', 'full-priority', 'incremental', 'paused-resumed', 'retuned'];

describe('recorded histories', () => {
  const histories = recordedHistories();

  it('cover every scenario, and a range that continued as new', () => {
    expect([...new Set(histories.map((h) => h.scenario))]).toEqual(SCENARIOS);
    expect(histories.some((h) => h.history.events?.some((e) => e.workflowExecutionContinuedAsNewEventAttributes))).toBe(true);
  });

  it('replay on the current workflow code without a nondeterminism error', async () => {
    const failures: string[] = [];
    let replayed = 0;
    const results = Worker.runReplayHistories({ workflowsPath: require.resolve('../../src/workflows') }, histories);
    for await (const { workflowId, error } of results) {
      replayed++;
      if (error) failures.push(`${workflowId}: ${error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(histories.length);
  });
});
