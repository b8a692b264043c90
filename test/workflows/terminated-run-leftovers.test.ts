import type { SyncSummary } from '../../src/sync-types';
import { pauseSignal } from '../../src/workflows/messages';
import { normalized, startHarness, type Harness } from '../helpers/sync-harness';

const DELISTED = 30;

describe('the leftovers of a run terminated from outside', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 161, size: 4_000, latencyMs: 20 }, env: { CARSYNC_PAGE_SIZE: '100', CARSYNC_CONCURRENCY: '2' } });
  });
  afterAll(() => h?.close());

  async function until(check: () => Promise<boolean>): Promise<void> {
    while (!(await check())) await new Promise((r) => setTimeout(r, 50));
  }
  async function rowsOf(table: string, runId: string): Promise<number> {
    const { rows } = await h.pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE run_id = $1`, [runId]);
    return rows[0].n;
  }

  it('are cleared by the next run, which marks it terminated in the ledger and then syncs exact', async () => {
    // A worker of its own, so the test can see when the terminated run's last activity has stopped.
    const w = await h.startWorkerWith();
    expect((await w.sync()).status).toBe('completed');
    h.sim.dataset.delistRandom(DELISTED);

    const terminated = await w.start({ requestsPerSecond: 20 });
    const runId = terminated.firstExecutionRunId;
    await until(async () => (await rowsOf('sync_removal_candidates', runId)) > 0 && (await rowsOf('sync_page_cursors', runId)) > 0);
    await terminated.signal(pauseSignal);
    await until(async () => (await rowsOf('sync_run_pauses', runId)) > 0);
    await terminated.terminate('operator: temporal workflow terminate');
    await until(async () => w.worker.worker.getStatus().numInFlightActivities === 0);
    expect((await h.pool.query('SELECT status FROM sync_runs WHERE run_id = $1', [runId])).rows[0].status).toBe('running');

    const summary = (await (await w.start()).result()) as SyncSummary;
    expect(summary.status).toBe('completed');
    expect(summary.notes.join('\n')).toContain(`run ${runId} (workflow ${terminated.workflowId}) ended TERMINATED without closing`);
    const { rows } = await h.pool.query('SELECT status, finished_at FROM sync_runs WHERE run_id = $1', [runId]);
    expect(rows[0].status).toBe('terminated');
    expect(rows[0].finished_at).not.toBeNull();
    for (const table of ['sync_removal_candidates', 'sync_page_cursors', 'sync_run_pauses']) expect(await rowsOf(table, runId)).toBe(0);
    expect(summary.removed).toBe(DELISTED);
    expect((await h.listedCars()).map(normalized)).toEqual(h.sim.dataset.validCars().map(normalized));
  });
});
