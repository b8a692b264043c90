import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';

/** Why a run failed, as `status`, `start --follow` and `runs` show it. */
export interface RunFailure {
  type: string;
  message: string;
  /** What the operator can do about it. */
  fix: string;
}

/** One line per failure class (src/errors.ts): what to change before the next run. */
const FIXES: Record<string, string> = {
  UpstreamAuthError: "set a valid CARS_API_KEY in the worker's environment, restart the worker, then start a new run",
  UpstreamConfigError: "check CARS_API_URL and the run's input, then start a new run",
  InvalidRunInputError: "fix the field the message names in the run's input (npm run sync -- --help)",
  SyncAlreadyRunningError: 'wait for the run that holds the database (npm run sync -- status) or cancel it, then start again',
  DatabaseError: 'check DATABASE_URL and that PostgreSQL is up and has room, then start a new run',
  UpstreamUnavailableError: 'the upstream kept failing longer than giveUpAfterSeconds; start a new run once it answers again',
  UpstreamProtocolError: 'the upstream broke the API contract (see the message); tell its operators, then start a new run',
  UpstreamServerError: 'the upstream kept failing longer than giveUpAfterSeconds; start a new run once it answers again',
  UpstreamNetworkError: 'the upstream stayed unreachable longer than giveUpAfterSeconds; check CARS_API_URL and the network, then start a new run',
  UpstreamRateLimitedError: 'the upstream kept refusing for its rate limit; lower requestsPerSecond or wait, then start a new run',
  CancelledFailure: 'the run was cancelled and removed nothing; start a new run when ready',
  TerminatedFailure: 'the run was terminated from outside; the next run marks it terminated in the ledger and clears its leftovers',
};
const DEFAULT_FIX = "read the message above; the Web UI shows the failed run's history";

/** The root cause of a failed run's result: its class (the Temporal failure type) and message, and the fix. */
export function failureOf(err: unknown): RunFailure | null {
  if (!(err instanceof WorkflowFailedError)) return null;
  let root: unknown = err.cause;
  while (root instanceof Error && root.cause instanceof Error) root = root.cause;
  const type = root instanceof ApplicationFailure ? (root.type ?? 'Error') : ((root as Error | undefined)?.name ?? 'Error');
  const message = (root as Error | undefined)?.message ?? err.message;
  return failureWithFix(type, message);
}

export function failureWithFix(type: string, message: string): RunFailure {
  return { type, message, fix: FIXES[type] ?? DEFAULT_FIX };
}
