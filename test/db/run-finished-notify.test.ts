import { Client } from 'pg';
import { startHarness, type Harness } from '../helpers/sync-harness';

/** A run's close sends NOTIFY carsync_run_finished with a small JSON payload. */
describe('NOTIFY carsync_run_finished', () => {
  let h: Harness;
  let listener: Client;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 617, size: 500, invalidShare: 0 }, env: { CARSYNC_PAGE_SIZE: '100' } });
    listener = new Client({ connectionString: h.databaseUrl });
    await listener.connect();
    await listener.query('LISTEN carsync_run_finished');
  });
  afterAll(async () => {
    await listener?.end();
    await h?.close();
  });

  it('reaches a LISTENing client when a run ends', async () => {
    const heard = new Promise<unknown>((resolve) => listener.once('notification', (n) => resolve(JSON.parse(n.payload!))));
    const handle = await h.start();
    const summary = await handle.result();
    expect(await heard).toEqual({
      runId: summary.runId,
      workflowId: handle.workflowId,
      mode: 'full',
      status: 'completed',
      verified: true,
      counts: { carsSeen: summary.carsSeen, inserted: 500, updated: 0, removed: 0, rejected: 0 },
    });
  });
});
