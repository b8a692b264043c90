import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/**
 * A live worker long-polls its task queue again at least once a minute; the server lists pollers for
 * some minutes after their last poll, so one seen longer ago than this has stopped.
 */
const LIVE_POLLER_SECONDS = 90;

/** How often `--follow` asks whether a worker polls the run's task queue, until one does. */
export const WORKER_CHECK_INTERVAL_MS = 2_000;

/** Whether any worker polls `taskQueue` for workflow tasks now. */
export async function workerPolls(client: Client, taskQueue: string): Promise<boolean> {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  const since = Date.now() / 1000 - LIVE_POLLER_SECONDS;
  return pollers.some((p) => Number(p.lastAccessTime?.seconds ?? 0) >= since);
}

export function noWorkerMessage(taskQueue: string): string {
  return `no worker polls task queue "${taskQueue}": the run waits until one does; start one with \`npm run worker\` (same TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TEMPORAL_TASK_QUEUE)`;
}
