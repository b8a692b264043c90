import { TEST_SERVERS, type TestServers } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const servers = (globalThis as Record<symbol, unknown>)[TEST_SERVERS] as TestServers | undefined;
  if (!servers) return;
  await Promise.all(servers.started.map((server) => server.stop()));
  process.removeListener('SIGINT', servers.exitOnSignal);
  process.removeListener('SIGTERM', servers.exitOnSignal);
}
