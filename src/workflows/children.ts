import { CancellationScope, startChild, type ChildWorkflowHandle } from '@temporalio/workflow';
import type { RangeInput, RangeResult } from '../sync-types';
import { SyncRangeWorkflow } from './sync-range';

type RangeHandle = ChildWorkflowHandle<typeof SyncRangeWorkflow>;

/** The run's range children, in a scope of their own, so a failing range can cancel its siblings. */
export class RangeChildren {
  private readonly scope = new CancellationScope();
  private readonly running = new Set<RangeHandle>();
  // Children asked for but not started yet: starts are not awaited one by one, so lanes fill at once.
  private readonly starting = new Set<Promise<RangeHandle>>();

  /** Children started and not finished. */
  get count(): number {
    return this.running.size;
  }

  /** Starts a range and waits for its result. */
  run(options: { workflowId: string; staticSummary: string; args: [RangeInput] }): Promise<RangeResult> {
    return this.scope.run(async () => {
      const started = startChild(SyncRangeWorkflow, options);
      this.starting.add(started);
      let child: RangeHandle;
      try {
        child = await started;
      } finally {
        this.starting.delete(started);
      }
      this.running.add(child);
      try {
        return await child.result();
      } finally {
        this.running.delete(child);
      }
    });
  }

  /**
   * Sends a message to every child. One still starting gets it once it has started: it was given the
   * state from before. A child may finish while a signal is on its way to it; that child needs it no more.
   */
  async tell(send: (child: RangeHandle) => Promise<void>): Promise<void> {
    await Promise.allSettled([...[...this.running].map(send), ...[...this.starting].map(async (started) => send(await started))]);
  }

  cancel(): void {
    this.scope.cancel();
  }
}
