import { setTimeout as sleep } from 'node:timers/promises';
import { applySchedules, deleteSchedules, SCHEDULE_IDS } from '../../src/cli/schedule';
import type { SyncSummary } from '../../src/sync-types';
import { cleanupAfterEach } from '../helpers/cleanup';
import { expectExactMirror, startClusterSetup, unlessAnyWorkerDies } from './workers';

const CARS = 5_000;
/** Every minute: the next fire is at most a minute away. */
const EVERY_MINUTE = '* * * * *';
const FIRE_TIMEOUT_MS = 90_000;

const defer = cleanupAfterEach();

describe('schedules on a real cluster', () => {
  it('the schedule `npm run sync -- schedule create` makes fires a full sync, which completes exact', async () => {
    const { sim, pool, client, taskQueue, workers } = await startClusterSetup(defer, { simulator: { seed: 144, size: CARS } });
    await applySchedules(client, { cron: EVERY_MINUTE, incrementalCron: null, timezone: 'UTC', catchupWindow: '1m', taskQueue }, 'create');
    defer(() => deleteSchedules(client));

    // The schedule's own record of what it started: the fire is the server's, not the test's.
    const schedule = client.schedule.getHandle(SCHEDULE_IDS.full);
    let workflowId: string | undefined;
    for (const deadline = Date.now() + FIRE_TIMEOUT_MS; !workflowId; await sleep(500)) {
      if (Date.now() > deadline) throw new Error(`${SCHEDULE_IDS.full} did not fire within ${FIRE_TIMEOUT_MS} ms`);
      workflowId = (await schedule.describe()).info.recentActions[0]?.action.workflow.workflowId;
    }
    const handle = client.workflow.getHandle(workflowId);
    defer(() => handle.terminate().catch(() => undefined));

    const summary = (await unlessAnyWorkerDies(handle.result(), workers)) as SyncSummary;
    expect(summary.status).toBe('completed');
    expect(summary.mode).toBe('full');
    await expectExactMirror(pool, sim);
  });
});
