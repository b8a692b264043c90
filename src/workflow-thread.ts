import workerThreads from 'node:worker_threads';
import { WORKFLOW_THREAD_YOUNG_GENERATION_MB } from './worker-settings';

const SDK_THREAD = require.resolve('@temporalio/worker/lib/workflow/workflow-worker-thread');
let limited = false;

/**
 * Gives the thread the Temporal SDK runs workflows in a smaller young generation (see
 * WORKFLOW_THREAD_YOUNG_GENERATION_MB). The SDK starts it with `new Worker(file)` from node's
 * worker_threads and takes no resource limits, so the constructor it looks up is wrapped: only for the
 * SDK's thread file, adding limits that file is not given otherwise. Call before Worker.create.
 */
export function limitWorkflowThread(): void {
  if (limited) return;
  limited = true;
  const NodeWorker = workerThreads.Worker;
  workerThreads.Worker = class extends NodeWorker {
    constructor(file: string | URL, options?: workerThreads.WorkerOptions) {
      const limits =
        file === SDK_THREAD ? { maxYoungGenerationSizeMb: WORKFLOW_THREAD_YOUNG_GENERATION_MB, ...options?.resourceLimits } : options?.resourceLimits;
      super(file, { ...options, resourceLimits: limits });
    }
  };
}
