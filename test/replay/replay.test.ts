import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { testWorkflowBundle } from '../helpers/worker-process';
import { recordedHistories } from './histories';

// The replay worker's bundling and state lines would bury a failure's output.
try {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  // Already installed by an earlier test file in this process.
}

/** The scenarios `npm run record:histories` records; a missing one fails here rather than going unreplayed. */
const SCENARIOS = [
  'backing-off',
  'cancelled',
  'continued-as-new',
  'failed-auth',
  'full-priority',
  'incremental',
  'parent-continued-as-new',
  'paused-resumed',
  'retuned',
];

describe('recorded histories', () => {
  const histories = recordedHistories();

  it('cover every scenario, and a range and a parent that continued as new', () => {
    expect([...new Set(histories.map((h) => h.scenario))]).toEqual(SCENARIOS);
    const continued = histories.filter((h) => h.history.events?.some((e) => e.workflowExecutionContinuedAsNewEventAttributes));
    expect(continued.some((h) => h.file.startsWith('range-'))).toBe(true);
    expect(continued.filter((h) => h.file.startsWith('parent')).length).toBeGreaterThanOrEqual(2);
  });

  it('replay on the current workflow code without a nondeterminism error', async () => {
    const failures: string[] = [];
    let replayed = 0;
    // The run's bundle (test/global-setup.ts): the same current workflow code the other tests run.
    const results = Worker.runReplayHistories({ workflowBundle: await testWorkflowBundle() }, histories);
    for await (const { workflowId, error } of results) {
      replayed++;
      if (error) failures.push(`${workflowId}: ${error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(histories.length);
  });
});
