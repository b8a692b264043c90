import { once } from 'node:events';
import workerThreads from 'node:worker_threads';
import { WORKFLOW_THREAD_YOUNG_GENERATION_MB } from '../../src/worker-settings';
import { limitWorkflowThread } from '../../src/workflow-thread';

describe('limitWorkflowThread', () => {
  it("gives the SDK's workflow thread the young generation of the worker settings, and leaves other threads as started", async () => {
    limitWorkflowThread();
    limitWorkflowThread();
    const sdk = new workerThreads.Worker(require.resolve('@temporalio/worker/lib/workflow/workflow-worker-thread'));
    const other = new workerThreads.Worker('setInterval(() => undefined, 1000)', { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 20 } });
    try {
      await Promise.all([once(sdk, 'online'), once(other, 'online')]);
      expect(sdk.resourceLimits?.maxYoungGenerationSizeMb).toBe(WORKFLOW_THREAD_YOUNG_GENERATION_MB);
      expect(other.resourceLimits?.maxYoungGenerationSizeMb).toBe(20);
    } finally {
      await Promise.all([sdk.terminate(), other.terminate()]);
    }
  });
});
