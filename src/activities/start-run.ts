import { Context } from '@temporalio/activity';
import { parseRunInput } from '../config';
import { InvalidRunInputError } from '../errors';
import type { ListingFilter, Pass, RunPlan, SyncMode } from '../sync-types';
import type { Tuning } from '../tuning';
import { ADVERTISED_RATE_HEADROOM, pacedRate } from './rate-limiter';
import type { ActivityDeps } from './deps';
import { withRetryDelay } from '../backoff';
import { surveyListing } from './survey';
import { makeFilter, MAX_MAKE_PARAM_CHARS } from './make-filter';
import { claimTables } from './run-claim';

export interface StartRunInput {
  workflowId: string;
  runId: string;
  input: unknown;
}

/** Validates the run's input, records the run in the ledger, and plans its passes over the listing. */
export function createStartRun({ pool, api, limiter, temporal, defaults }: ActivityDeps) {
  /** Surveys a filter's listing with the run's requests: paced, and stopped by its recorded pause. */
  const surveyer = (runId: string, tuning: Tuning): Survey => {
    const { cancellationSignal: signal } = Context.current();
    const acquire = () => limiter.acquire({ runId, requestsPerSecond: tuning.requestsPerSecond, lanes: tuning.concurrency, signal });
    return (filter) => surveyListing(api, acquire, filter);
  };
  return async function startRun(args: StartRunInput): Promise<RunPlan> {
    try {
      return await plan(args);
    } catch (err) {
      throw withRetryDelay(err, Context.current().info.attempt);
    }
  };

  async function plan({ workflowId, runId, input }: StartRunInput): Promise<RunPlan> {
    const startedAtMs = Date.now();
    const parsed = parseRunInput(input);
    if ('problems' in parsed) throw new InvalidRunInputError(`invalid SyncCarsWorkflow input: ${parsed.problems}`);
    const { mode: requested = 'full', ...overrides } = parsed.input;
    const tuning: Tuning = { ...defaults, ...stripUndefined(overrides) };
    const notes = await claimTables(pool, temporal, { workflowId, runId, mode: requested });
    const survey = surveyer(runId, tuning);

    let mode: SyncMode = requested;
    let passes: Pass[];
    if (mode === 'incremental') {
      const since = await lastHighWaterMark();
      if (since === null) {
        notes.push('no completed sync to continue from: this run is a full sync');
        mode = 'full';
      } else {
        const updatedSince = new Date(since.getTime() - tuning.incrementalOverlapSeconds * 1000).toISOString();
        passes = [{ ...(await survey({ updatedSince })), name: `changed since ${updatedSince}`, trackRemovals: false, revisits: false }];
        notes.push('incremental runs cannot see delistings: no car was marked removed (a full sync does that)');
      }
    }
    if (mode === 'full') passes = await fullPasses(tuning, survey, notes);
    // Planning's requests have told the worker the upstream's limit: the run is laid out for the rate it will get.
    const advertised = api.advertisedLimit();
    const paced = pacedRate(tuning.requestsPerSecond, advertised);
    if (advertised && paced !== tuning.requestsPerSecond) {
      const asked = tuning.requestsPerSecond === 0 ? 'requestsPerSecond was not set' : `${tuning.requestsPerSecond} requests/s were asked`;
      const allowed = `${advertised.limit} requests per ${advertised.windowSeconds === 1 ? 'second' : `${advertised.windowSeconds} s`}`;
      notes.push(`${asked}; the upstream advertises ${allowed}, so requests were paced at ${round(paced)}/s, ${ADVERTISED_RATE_HEADROOM * 100}% of that`);
      tuning.requestsPerSecond = paced;
    }
    await pool.query('UPDATE sync_runs SET mode = $2 WHERE run_id = $1', [runId, mode]);
    const total = passes!.reduce((sum, pass) => sum + pass.total, 0);
    return { runId, mode, tuning, total, passes: passes!, highWaterMark: new Date(startedAtMs).toISOString(), notes, startedAtMs };
  }

  async function lastHighWaterMark(): Promise<Date | null> {
    const { rows } = await pool.query<{ high_water_mark: Date }>(
      `SELECT high_water_mark FROM sync_runs WHERE status = 'completed' AND high_water_mark IS NOT NULL ORDER BY high_water_mark DESC LIMIT 1`,
    );
    return rows[0]?.high_water_mark ?? null;
  }

  /**
   * Priority makes first, then the rest, each car fetched once. The API cannot exclude makes, so "the
   * rest" names every other make carsync has stored. Cars no such filter selects (an empty or missing
   * make, or a make no sync has stored) either changed since the last completed run, and a third pass
   * reads what changed since then across all makes, or did not, and that run saw them as they are.
   * Without a completed run to go on, or when a make cannot be named in a filter (see make-filter.ts),
   * the second pass reads everything (the priority cars twice): only a pass that reads a car can tell
   * that it was delisted.
   */
  async function fullPasses(tuning: Tuning, survey: Survey, notes: string[]): Promise<Pass[]> {
    const wanted = tuning.priorityMakes;
    // A scan of every car: only worth it when there are priority makes to split off.
    const stored = wanted.length
      ? (await pool.query<{ make: string }>('SELECT DISTINCT make FROM cars WHERE make <> ALL($1::text[]) ORDER BY make', [wanted])).rows.map((r) => r.make)
      : [];
    const priority = makeFilter(wanted);
    const others = makeFilter(stored);
    const leftOut = [...priority.leftOut, ...others.leftOut];
    // The very first sync has no makes to name for "the rest": priority makes first, then everything.
    const firstSync =
      priority.makes.length > 0 &&
      stored.length === 0 &&
      (await pool.query<{ empty: boolean }>('SELECT NOT EXISTS (SELECT 1 FROM cars) AS empty')).rows[0].empty;
    const split = priority.makes.length > 0 && (others.makes.length > 0 || firstSync);
    // The surveys are independent: asked at once, planning takes two round trips instead of six.
    const [everything, first, rest] = await Promise.all([
      survey({}),
      split ? survey({ makes: priority.makes }) : undefined,
      split && leftOut.length === 0 ? survey({ makes: others.makes }) : undefined,
    ]);
    const all: Pass = { ...everything, name: 'all makes', trackRemovals: true, revisits: false };
    if (priority.makes.length === 0 || everything.total === 0) return [all];
    if (!first) {
      notes.push('no earlier sync has stored a make but the priority ones that a make filter can name, so this run read all makes in one pass');
      return [all];
    }
    const firstPass: Pass = { ...first, name: `priority makes (${priority.makes.join(', ')})`, trackRemovals: true, revisits: false };
    if (firstSync) {
      notes.push(
        'first sync (empty table): the priority makes first, then the whole listing, which reads the priority cars again (this run only) and rewrites none that did not change',
      );
      return first.total === 0 ? [all] : [firstPass, { ...all, revisits: true }];
    }
    if (!rest) {
      const named =
        leftOut
          .slice(0, 3)
          .map((make) => JSON.stringify(make))
          .join(', ') + (leftOut.length > 3 ? ', ...' : '');
      notes.push(
        `${leftOut.length} make(s) cannot be named in the API's make filter (${named}: empty, a comma, white space at an end, or past ` +
          `the ${MAX_MAKE_PARAM_CHARS}-character cap): after the priority makes, this run read the whole listing (priority cars twice)`,
      );
      return [firstPass, { ...all, revisits: true }];
    }
    const restPass: Pass = { ...rest, name: 'other makes', trackRemovals: true, revisits: true };
    const unselected = everything.total - first.total - rest.total;
    if (unselected === 0) return [firstPass, restPass];
    const since = await lastHighWaterMark();
    if (since === null) {
      notes.push(
        `${unselected} listed cars have a make no filter selects and no sync has completed: after the priority makes, this run read the whole listing (priority cars twice)`,
      );
      return [firstPass, { ...all, revisits: true }];
    }
    const updatedSince = new Date(since.getTime() - tuning.incrementalOverlapSeconds * 1000).toISOString();
    const changed = await survey({ updatedSince });
    notes.push(
      `${unselected} listed cars have a make no filter selects: a third pass read the ${changed.total} cars changed since ${updatedSince}, of all makes`,
    );
    return [firstPass, restPass, { ...changed, name: `changed since ${updatedSince}, all makes`, trackRemovals: false, revisits: true }];
  }
}

type Survey = (filter: ListingFilter) => ReturnType<typeof surveyListing>;

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
