import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { pauseSignal, progressQuery, resumeSignal } from '../../../src/workflows/messages';
import { MockedSync, devServerEnvironment, until, withWorker } from '../../helpers/mocked-sync';

const CARS = 2_000;

/** Where the pause landed in the parent's history: before any child was asked for, or while one was starting. */
async function pauseLanded(handle: WorkflowHandle): Promise<'planning' | 'starting' | 'running'> {
  const events = (await handle.fetchHistory()).events ?? [];
  // An event not in the history (yet) comes after the pause.
  const at = (found: (e: (typeof events)[number]) => unknown) => {
    const index = events.findIndex(found);
    return index < 0 ? events.length : index;
  };
  const pause = at((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'pause');
  if (pause < at((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)) return 'planning';
  return pause < at((e) => e.childWorkflowExecutionStartedEventAttributes) ? 'starting' : 'running';
}

/** Every child the parent asked for has started and been sent the pause (a pause during planning holds every start back). */
async function pauseDelivered(handle: WorkflowHandle): Promise<boolean> {
  const events = (await handle.fetchHistory()).events ?? [];
  const count = (found: (e: (typeof events)[number]) => unknown) => events.filter(found).length;
  const children = count((e) => e.startChildWorkflowExecutionInitiatedEventAttributes);
  const paused = count((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === 'pause');
  return (
    count((e) => e.childWorkflowExecutionStartedEventAttributes) === children &&
    paused === ((await pauseLanded(handle)) === 'planning' ? 0 : children) &&
    count((e) => e.externalWorkflowExecutionSignaledEventAttributes) === paused
  );
}

describe('a pause while the first ranges are starting (mocked activities)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await devServerEnvironment();
  });
  afterAll(() => env?.teardown());

  it('reaches each range once it has started: none takes a page while paused, and all finish after resume', async () => {
    const landed: string[] = [];
    // The pause goes out as planning returns, so it often lands as the ranges start; a try that misses that moment is repeated.
    for (let attempt = 0; attempt < 20 && !landed.includes('starting'); attempt++) {
      const sync = new MockedSync(CARS, { concurrency: 3 });
      const plan = sync.activities.startRun;
      sync.activities.startRun = async (input) => {
        const { workflowId } = Context.current().info.workflowExecution!;
        setImmediate(() => void env.client.workflow.getHandle(workflowId).signal(pauseSignal));
        return plan(input);
      };
      await withWorker(env, sync, async (start) => {
        const handle = await start();
        // Once every range asked for has started and been told of the pause, none may take a page.
        await until(async () => sync.paused && (await pauseDelivered(handle)));
        const served = sync.calls.length;
        await until(() => sync.calls.every((c) => c.outcome !== 'page' || sync.calls.indexOf(c) < served));
        expect((await handle.query(progressQuery)).state).toBe('paused');
        expect(sync.calls.slice(served).filter((c) => c.outcome === 'page')).toEqual([]);

        // A range that missed the pause would wait for it forever: resuming finishes them all.
        await handle.signal(resumeSignal);
        expect(await handle.result()).toMatchObject({ status: 'completed', carsSeen: CARS });
        landed.push(await pauseLanded(handle));
      });
    }
    expect(landed).toContain('starting');
  });
});
