import type { Client } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils';

/** True when `text` occurs in any string or byte array (payload data is bytes) anywhere in `value`. */
export function containsText(value: unknown, text: string): boolean {
  if (typeof value === 'string') return value.includes(text);
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).includes(text);
  if (value && typeof value === 'object') return Object.values(value).some((v) => containsText(v, text));
  return false;
}

/** Every run of a workflow from its first, following continue-as-new, with its history. */
export async function runsFrom(client: Client, workflowId: string, firstRunId: string): Promise<{ runId: string; history: History }[]> {
  const runs = [];
  for (let runId: string | null | undefined = firstRunId; runId;) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.push({ runId, history });
    runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  return runs;
}
