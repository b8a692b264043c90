import type { Pool, PoolClient } from 'pg';

/**
 * Runs `work` in one transaction on a pooled connection. A connection the database drops while it is
 * checked out (a restart, say) emits 'error' on the client, which the pool no longer listens to: the
 * listener here keeps that from crashing the process, and the dead client is discarded, not reused.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (err: Error) => void (lost = err);
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.off('error', onError);
    client.release(lost);
  }
}
