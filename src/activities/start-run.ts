import { z } from 'zod';
import { tuningSchema } from '../config';
import { InvalidRunInputError, UpstreamNetworkError } from '../errors';
import type { RunPlan } from '../sync-types';
import { Context } from '@temporalio/activity';
import type { ActivityDeps } from './deps';
import { withRetryDelay } from './retry-delay';

/** Each tuning field, optional and without its default: an absent field keeps the worker's value. */
const overridesShape = Object.fromEntries(Object.entries(tuningSchema.shape).map(([key, field]) => [key, field.unwrap().optional()])) as {
  [K in keyof typeof tuningSchema.shape]: ReturnType<(typeof tuningSchema.shape)[K]['unwrap']> extends infer T extends z.ZodType ? z.ZodOptional<T> : never;
};

const runInputSchema = z
  .strictObject({
    mode: z.enum(['full', 'incremental']).default('full'),
    ...overridesShape,
  })
  .nullish();

export interface StartRunInput {
  workflowId: string;
  runId: string;
  input: unknown;
}

/** Validates the run's input, records the run in the ledger, and learns how much is listed. */
export function createStartRun({ pool, api, limiter, defaults }: ActivityDeps) {
  return async function startRun(args: StartRunInput): Promise<RunPlan> {
    try {
      return await plan(args);
    } catch (err) {
      throw withRetryDelay(err, Context.current().info.attempt);
    }
  };

  async function plan({ workflowId, runId, input }: StartRunInput): Promise<RunPlan> {
    const startedAtMs = Date.now();
    const parsed = runInputSchema.safeParse(input);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
      throw new InvalidRunInputError(`invalid SyncCarsWorkflow input: ${problems}`);
    }
    const { mode = 'full', ...overrides } = parsed.data ?? {};
    if (mode === 'incremental') throw new InvalidRunInputError('mode "incremental" is not supported yet; use "full"');
    const tuning = { ...defaults, ...stripUndefined(overrides) };
    limiter.setRate(tuning.requestsPerSecond);

    await pool.query(
      `INSERT INTO sync_runs (run_id, workflow_id, mode, status) VALUES ($1, $2, $3, 'running') ON CONFLICT (run_id) DO NOTHING`,
      [runId, workflowId, mode],
    );

    const first = await api.fetchPage({ perPage: 1 });
    const total = first.meta.total;
    let lastId: number | null = null;
    if (total > 0) {
      const last = await api.fetchPage({ perPage: 1, page: total });
      lastId = last.meta.next_after_id;
      // Cars were delisted between the two requests; a retry sees a consistent total.
      if (lastId === null) throw new UpstreamNetworkError(`the listing shrank below ${total} cars while planning the run`);
    }
    return { runId, mode, tuning, total, firstId: first.meta.next_after_id, lastId, startedAtMs };
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
