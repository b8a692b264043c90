import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { startPostgres } from '../src/dev/postgres';
import { findOrInstallTemporalCli, startTemporalDevServer } from '../src/dev/temporal';

/** What global-teardown.ts undoes; Jest runs both hooks in its main process. */
export const TEST_SERVERS = Symbol.for('carsync.test.servers');

export interface TestServers {
  started: { stop(): Promise<void> }[];
  exitOnSignal: () => void;
}

/**
 * Starts one Temporal dev server (headless, in memory) and one PostgreSQL for the whole run and
 * publishes them through the environment, which the test files inherit. Servers named in
 * `CARSYNC_TEST_TEMPORAL_ADDRESS` and `DATABASE_URL` (or `CARSYNC_TEST_DATABASE_URL`) are used as they are.
 */
export default async function globalSetup(): Promise<void> {
  // The servers run in their own process groups and stop from 'exit' listeners, which a signal
  // without a handler would skip: an interrupted run must not leave them behind.
  const exitOnSignal = (): void => process.exit(130);
  process.once('SIGINT', exitOnSignal);
  process.once('SIGTERM', exitOnSignal);
  const servers: TestServers = { started: [], exitOnSignal };
  (globalThis as Record<symbol, unknown>)[TEST_SERVERS] = servers;
  process.env.CARSYNC_TEST_RUN_ID ??= randomUUID();

  const temporal = async (): Promise<void> => {
    if (process.env.CARSYNC_TEST_TEMPORAL_ADDRESS) return;
    const server = await startTemporalDevServer({
      cliPath: await findOrInstallTemporalCli(),
      headless: true,
      logFile: path.join(__dirname, '..', '.data', 'logs', `jest-temporal-${process.pid}.log`),
    });
    servers.started.push(server);
    process.env.CARSYNC_TEST_TEMPORAL_ADDRESS = server.address;
  };
  const postgres = async (): Promise<void> => {
    if (process.env.CARSYNC_TEST_DATABASE_URL) return;
    const server = await startPostgres({ persistent: false });
    servers.started.push(server);
    process.env.CARSYNC_TEST_DATABASE_URL = server.url;
  };

  const results = await Promise.allSettled([temporal(), postgres()]);
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) {
    await Promise.all(servers.started.map((server) => server.stop()));
    throw failure.reason;
  }
}
