import { randomUUID } from 'node:crypto';
import { startPostgres } from '../../src/dev/postgres';
import { findOrInstallTemporalServer, startTemporalCluster } from '../../src/dev/temporal-cluster';
import { TEST_SERVERS, type TestServers } from '../global-setup';
import { dropTemporalDatabases, temporalDatabasePrefix } from './temporal-databases';

/**
 * `npm run test:cluster`: one PostgreSQL and, on it, a Temporal cluster (four service processes, its
 * own persistence and visibility databases) for the whole tier, published through the same
 * environment as test/global-setup.ts, so that test/helpers work unchanged.
 */
export default async function globalSetup(): Promise<void> {
  const exitOnSignal = (): void => process.exit(130);
  process.once('SIGINT', exitOnSignal);
  process.once('SIGTERM', exitOnSignal);
  const servers: TestServers = { started: [], exitOnSignal };
  (globalThis as Record<symbol, unknown>)[TEST_SERVERS] = servers;
  process.env.CARSYNC_TEST_RUN_ID ??= randomUUID();

  try {
    const [install, postgres] = await Promise.all([findOrInstallTemporalServer(), startPostgres({ persistent: false })]);
    servers.started.push(postgres);
    process.env.CARSYNC_TEST_DATABASE_URL = postgres.url;
    const databasePrefix = temporalDatabasePrefix();
    const cluster = await startTemporalCluster({ postgresUrl: postgres.url, install, databasePrefix });
    // One entry, stopped in order: global-teardown.ts stops its entries side by side, and the cluster
    // needs its database until it has stopped.
    servers.started.splice(0, servers.started.length, {
      stop: async () => {
        await cluster.stop();
        await dropTemporalDatabases(databasePrefix);
        await postgres.stop();
      },
    });
    process.env.CARSYNC_TEST_TEMPORAL_ADDRESS = cluster.address;
  } catch (err) {
    for (const server of servers.started) await server.stop();
    throw err;
  }
}
