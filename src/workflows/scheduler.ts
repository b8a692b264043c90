/**
 * Which range may start next: in order, fewer than `concurrency` at once, none while paused, and a
 * pass only once the previous pass's ranges have all stopped (the priority makes are all written
 * before any other make). After a failure nothing more starts. Pure: the workflow waits on `decided`.
 */
export class RangeScheduler<Job extends { passName: string }> {
  private busy = 0;
  private failure: { error: unknown } | undefined;

  /** `next`: how many jobs an earlier run of the sync started, all of them finished. */
  constructor(
    private readonly jobs: readonly Job[],
    private concurrency: number,
    private next = 0,
  ) {}

  /** The operator's `setTuning`: takes effect as ranges start and stop, never stopping a running one. */
  setConcurrency(concurrency: number): void {
    this.concurrency = concurrency;
  }

  /** True once the next step is known: a job may start, or none ever will. */
  decided(paused: boolean): boolean {
    return this.failure !== undefined || this.next >= this.jobs.length || this.mayStart(paused);
  }

  /** The job to start now, counted busy until `stopped`; undefined when none may. */
  take(paused: boolean): Job | undefined {
    if (this.failure !== undefined || this.next >= this.jobs.length || !this.mayStart(paused)) return undefined;
    this.busy++;
    return this.jobs[this.next++];
  }

  stopped(): void {
    this.busy--;
  }

  /** Records the first failure; nothing starts after it. */
  fail(error: unknown): void {
    this.failure ??= { error };
  }

  get failed(): { error: unknown } | undefined {
    return this.failure;
  }

  get running(): number {
    return this.busy;
  }

  /** Jobs started so far: where a next run of the sync starts. */
  get started(): number {
    return this.next;
  }

  /** True while some job has not started yet. */
  get remaining(): boolean {
    return this.next < this.jobs.length;
  }

  private mayStart(paused: boolean): boolean {
    const job = this.jobs[this.next];
    const newPass = this.next > 0 && job.passName !== this.jobs[this.next - 1].passName;
    return !paused && this.busy < this.concurrency && (!newPass || this.busy === 0);
  }
}
