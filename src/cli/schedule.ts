import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { SyncMode } from '../sync-types';
import { runLabels } from './run-labels';

/** Nightly at 02:00 in the schedule's time zone. */
export const DEFAULT_CRON = '0 2 * * *';

/** The schedules carsync manages, one per mode. */
export const SCHEDULE_IDS: Record<SyncMode, string> = { full: 'carsync-nightly-full', incremental: 'carsync-hourly-incremental' };

export interface ScheduleSettings {
  /** Cron for the nightly full sync, e.g. `0 2 * * *`. */
  cron: string;
  /** Cron for the optional incremental sync, e.g. `0 * * * *`; null for none. */
  incrementalCron: string | null;
  timezone: string;
  /** How late a missed run (server down at the time) may still start. */
  catchupWindow: Duration;
  taskQueue: string;
}

const CRON_FIELD = /^[\d*/,-]+$|^[A-Za-z]{3}$/;

/** Checks a 5-field cron expression well enough to give a clear error before the server sees it. */
export function cronProblem(cron: string): string | null {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) return `"${cron}" must have 5 fields (minute hour day-of-month month day-of-week), not ${fields.length}`;
  const bad = fields.find((f) => !CRON_FIELD.test(f));
  return bad ? `"${cron}" has an invalid field "${bad}"` : null;
}

export function timezoneProblem(timezone: string): string | null {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
    return null;
  } catch {
    return `"${timezone}" is not an IANA time zone (e.g. UTC, Asia/Seoul, Europe/Berlin)`;
  }
}

function options(mode: SyncMode, cron: string, s: ScheduleSettings): ScheduleOptions {
  return {
    scheduleId: SCHEDULE_IDS[mode],
    spec: { cronExpressions: [cron], timezone: s.timezone },
    action: {
      type: 'startWorkflow',
      workflowType: 'SyncCarsWorkflow',
      taskQueue: s.taskQueue,
      workflowId: `car-sync-${mode}-scheduled`,
      args: [{ mode }],
      ...runLabels(mode, 'schedule'),
    },
    // A sync still running when the next is due keeps going; the next one is skipped, not queued.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: s.catchupWindow },
    // The server keeps the cron only as calendars; the note keeps the operator's own words for `show`.
    state: { note: `${cron} (${s.timezone})` },
  };
}

async function exists(client: Client, id: string): Promise<boolean> {
  try {
    await client.schedule.getHandle(id).describe();
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}

/** Creates or updates the nightly full schedule and, when asked, the incremental one; deletes an incremental one no longer asked for. */
export async function applySchedules(client: Client, s: ScheduleSettings, how: 'create' | 'update'): Promise<string[]> {
  const wanted: [SyncMode, string | null][] = [
    ['full', s.cron],
    ['incremental', s.incrementalCron],
  ];
  const done: string[] = [];
  for (const [mode, cron] of wanted) {
    const id = SCHEDULE_IDS[mode];
    const present = await exists(client, id);
    if (cron === null) {
      if (present && how === 'update') {
        await client.schedule.getHandle(id).delete();
        done.push(`deleted ${id}`);
      }
      continue;
    }
    if (how === 'create' && present) throw new Error(`schedule ${id} already exists; use "schedule update" to change it`);
    if (how === 'update' && !present && mode === 'full') throw new Error(`schedule ${id} does not exist; use "schedule create"`);
    const desired = options(mode, cron, s);
    if (present) {
      await client.schedule.getHandle(id).update((previous) => ({
        ...previous,
        spec: desired.spec,
        action: desired.action,
        policies: desired.policies,
        state: {
          ...previous.state,
          note: previous.state.paused ? `${desired.state?.note}${PAUSE_MARK}${previous.state.note?.split(PAUSE_MARK)[1] ?? ''}` : desired.state?.note,
        },
      }));
      done.push(`updated ${id}: ${cron} (${s.timezone})`);
    } else {
      await client.schedule.create(desired);
      done.push(`created ${id}: ${cron} (${s.timezone})`);
    }
  }
  return done;
}

/** A schedule as `schedule show --json` gives it; `scheduled: false` when it does not exist. */
export interface ScheduleState {
  id: string;
  mode: SyncMode;
  scheduled: boolean;
  /** The cron and time zone as given (the server keeps only calendars), or the pause note. */
  note: string | null;
  timezone: string | null;
  overlap: string | null;
  catchupWindowSeconds: number | null;
  paused: boolean;
  nextRuns: string[];
  lastRun: { at: string; workflowId: string } | null;
}

export async function scheduleStates(client: Client): Promise<ScheduleState[]> {
  const states: ScheduleState[] = [];
  for (const [mode, id] of Object.entries(SCHEDULE_IDS) as [SyncMode, string][]) {
    try {
      const d = await client.schedule.getHandle(id).describe();
      const recent = d.info.recentActions.at(-1);
      states.push({
        id,
        mode,
        scheduled: true,
        note: d.state.note ?? null,
        timezone: d.spec.timezone ?? 'UTC',
        overlap: d.policies.overlap ?? null,
        catchupWindowSeconds: Math.round(d.policies.catchupWindow / 1000),
        paused: d.state.paused,
        nextRuns: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
        lastRun: recent ? { at: recent.takenAt.toISOString(), workflowId: recent.action.workflow.workflowId } : null,
      });
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      states.push({
        id,
        mode,
        scheduled: false,
        note: null,
        timezone: null,
        overlap: null,
        catchupWindowSeconds: null,
        paused: false,
        nextRuns: [],
        lastRun: null,
      });
    }
  }
  return states;
}

export function formatSchedules(states: ScheduleState[]): string {
  return states
    .flatMap((s) =>
      s.scheduled
        ? [
            `${s.id}: ${s.note ?? `(${s.timezone})`}, overlap ${s.overlap}, catch-up ${s.catchupWindowSeconds} s, ${s.paused ? 'paused' : 'active'}`,
            `  next: ${s.nextRuns.join(', ') || 'none'}`,
            `  last: ${s.lastRun ? `${s.lastRun.at} ${s.lastRun.workflowId}` : 'never'}`,
          ]
        : [`${s.id}: not scheduled`],
    )
    .join('\n');
}

/** Between the schedule's cron text and a pause's note in the one note the server keeps per schedule. */
const PAUSE_MARK = ' | paused: ';

/** Pauses or unpauses every carsync schedule; a pause's note follows the cron text that `show` prints. */
export async function setSchedulesPaused(client: Client, paused: boolean, note?: string): Promise<string[]> {
  const done: string[] = [];
  for (const id of Object.values(SCHEDULE_IDS)) {
    if (!(await exists(client, id))) continue;
    const handle = client.schedule.getHandle(id);
    const cronText = ((await handle.describe()).state.note ?? '').split(PAUSE_MARK)[0];
    if (paused) await handle.pause(`${cronText}${PAUSE_MARK}${note ?? 'no note given'}`);
    else await handle.unpause(cronText);
    done.push(`${paused ? 'paused' : 'unpaused'} ${id}${paused && note ? ` (${note})` : ''}`);
  }
  if (done.length === 0) throw new Error('no carsync schedule exists; use "schedule create"');
  return done;
}

export async function deleteSchedules(client: Client): Promise<string[]> {
  const done: string[] = [];
  for (const id of Object.values(SCHEDULE_IDS)) {
    if (await exists(client, id)) {
      await client.schedule.getHandle(id).delete();
      done.push(`deleted ${id}`);
    }
  }
  return done.length ? done : ['no carsync schedule to delete'];
}

export async function triggerSchedule(client: Client, mode: SyncMode): Promise<string> {
  const id = SCHEDULE_IDS[mode];
  if (!(await exists(client, id))) throw new Error(`schedule ${id} does not exist; use "schedule create"`);
  await client.schedule.getHandle(id).trigger(ScheduleOverlapPolicy.SKIP);
  return `triggered ${id}`;
}
