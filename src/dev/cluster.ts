import { startPostgres } from './postgres';
import { errorMessage } from './processes';
import { findOrInstallTemporalServer, startTemporalCluster } from './temporal-cluster';

const HELP = `usage: npm run dev:cluster [-- build | start [--port N] [--namespace NAME]]

  build   builds the Temporal server and its schema tool into .tools (once) and prints their paths
  start   (the default) starts a Temporal cluster on PostgreSQL (DATABASE_URL, or the embedded one in
          .data/postgres): schema set up by the schema tool, history, matching, frontend and worker
          services as separate processes, deploy/temporal-dynamicconfig.yaml; stops on Ctrl-C or SIGTERM`;

async function main(argv: string[]): Promise<void> {
  const [verb = 'start', ...rest] = argv;
  if (verb === 'build' && rest.length === 0) {
    const install = await findOrInstallTemporalServer();
    process.stdout.write(`${install.server}\n${install.sqlTool}\n`);
    return;
  }
  const flags = parseStartFlags(verb === 'start' ? rest : undefined);
  if (!flags) {
    process.stderr.write(`${HELP}\n`);
    process.exitCode = 2;
    return;
  }
  const postgres = await startPostgres();
  try {
    const cluster = await startTemporalCluster({ postgresUrl: postgres.url, ...flags });
    process.stdout.write(
      `Temporal cluster: TEMPORAL_ADDRESS=${cluster.address} TEMPORAL_NAMESPACE=${cluster.namespace}, ` +
        `${cluster.historyShards} history shards, logs in ${cluster.dir}; Ctrl-C stops it\n`,
    );
    // The embedded server also holds the `carsync` database, for a worker beside the cluster.
    if (postgres.dataDir) process.stdout.write(`PostgreSQL: DATABASE_URL=${postgres.url} (data in ${postgres.dataDir})\n`);
    // Listeners stay for the whole shutdown: a second signal (a process group's, a repeated Ctrl-C)
    // would otherwise end this process before it has stopped the servers.
    await new Promise<void>((resolve) => {
      process.on('SIGINT', resolve);
      process.on('SIGTERM', resolve);
    });
    await cluster.stop();
  } finally {
    await postgres.stop();
  }
}

function parseStartFlags(args: string[] | undefined): { port?: number; namespace?: string } | undefined {
  if (!args) return undefined;
  const flags: { port?: number; namespace?: string } = {};
  for (let i = 0; i < args.length; i += 2) {
    const value = args[i + 1];
    if (value === undefined) return undefined;
    if (args[i] === '--port' && /^\d+$/.test(value)) flags.port = Number(value);
    else if (args[i] === '--namespace') flags.namespace = value;
    else return undefined;
  }
  return flags;
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`dev:cluster: ${errorMessage(err)}\n`);
  process.exitCode = 1;
});
