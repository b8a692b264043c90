import { USAGE, parseSimulatorArgs } from './cli';
import { createSimulator, DEFAULT_API_KEY } from './server';

/** Exit status for bad flags or environment, as command-line tools conventionally use. */
const EXIT_USAGE = 2;

async function main(): Promise<void> {
  const parsed = parseSimulatorArgs(process.argv.slice(2), process.env);
  if (parsed.kind === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (parsed.kind === 'error') {
    process.stderr.write(`simulator: ${parsed.message}\nRun with --help for the options.\n`);
    process.exit(EXIT_USAGE);
  }
  const { config } = parsed;
  const sim = await createSimulator({
    port: config.port,
    host: config.host,
    size: config.size,
    seed: config.seed,
    invalidShare: config.invalidShare,
    oddShare: config.oddShare,
    apiKey: config.apiKey,
    latencyMs: config.latencyMs,
    latencyJitterMs: config.latencyJitterMs,
    rateLimit: config.rateLimit,
    faults: {
      serverErrorRate: config.errorRate,
      resetRate: config.resetRate,
      truncateRate: config.truncateRate,
      echoKey: config.echoKey,
      gzipBombRate: config.gzipBombRate,
      endlessBodyRate: config.endlessBodyRate,
      stallRate: config.stallRate,
      slowBodyRate: config.slowBodyRate,
      slowBodyMs: config.slowBodyMs,
      wrongTypeRate: config.wrongTypeRate,
      retryAfterStyle: config.retryAfterStyle,
      closeConnections: config.closeConnections,
      chunked: config.chunked,
      pageCap: config.pageCap,
      shortPageRate: config.shortPageRate,
      jumpRate: config.jumpRate,
      outOfRangeRate: config.outOfRangeRate,
      oversizeRate: config.oversizeRate,
    },
  });
  if (config.prebuild) sim.dataset.prebuild();
  process.stdout.write(
    `car listings simulator on ${sim.url}/v1/cars (${sim.dataset.size} cars, seed ${config.seed}); ` +
      // Only the well-known default key is printed: a real one may be shared with carsync.
      `send "Authorization: Bearer ${config.apiKey === DEFAULT_API_KEY ? config.apiKey : '<SIM_API_KEY>'}"; control API at ${sim.url}/_admin\n`,
  );
  const stop = (): void => {
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`simulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
