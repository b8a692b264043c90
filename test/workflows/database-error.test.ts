import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { startHarness, type Harness } from '../helpers/sync-harness';

describe('a run whose database keeps refusing its pages', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 71, size: 300 }, env: { CARSYNC_PAGE_SIZE: '100' } });
  });
  afterAll(() => h?.close());

  it('gives up saying the database is failing, not the upstream', async () => {
    await h.pool.query(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no space left (test)'; END $$`);
    await h.pool.query('CREATE TRIGGER refuse BEFORE INSERT ON cars FOR EACH ROW EXECUTE FUNCTION refuse()');
    const handle = await h.start({ giveUpAfterSeconds: 1 });

    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const failure = (err as WorkflowFailedError).cause;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'DatabaseError' });
    expect(failure?.message).toMatch(
      /^database still failing after \d+ s of backing off \(giveUpAfterSeconds=1\): database failed writing a page: no space left \(test\)/,
    );
    expect(failure?.message).not.toMatch(/upstream/i);
    const { rows } = await h.pool.query('SELECT status FROM sync_runs');
    expect(rows).toEqual([{ status: 'failed' }]);
  });
});
