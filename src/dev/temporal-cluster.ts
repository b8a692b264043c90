import { execFile, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { parse, stringify } from 'yaml';
import { canConnect, errorMessage, freePort, signalChild, sleep, stopWithGrace, tail, watchExit, type ExitWatch } from './processes';
import { existingExecutable, findOnPath, goEnv, runCommand } from './temporal';

/**
 * A real Temporal cluster on this host: the server built from Temporal's own module, its four services
 * (frontend, history, matching, worker) as separate processes, persistence and visibility in databases
 * of their own on a PostgreSQL server. What the dev server leaves out: several history shards,
 * membership between processes, and persistence over the network.
 */

/** The server the CLI release of src/dev/temporal.ts embeds, so both tiers test the same server code. */
export const TEMPORAL_SERVER_VERSION = '1.29.1';
const MODULE = 'go.temporal.io/server';
const PACKAGES = [`${MODULE}/cmd/server@v${TEMPORAL_SERVER_VERSION}`, `${MODULE}/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`];

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const TOOLS_DIR = path.join(REPO_ROOT, '.tools');
/** One directory per version holds everything the cluster needs, so no Go is needed once it is built. */
const INSTALL_DIR = path.join(TOOLS_DIR, `temporal-server-${TEMPORAL_SERVER_VERSION}`);
/** The compose deployment's dynamic config: the cluster runs with the very same file. */
export const DYNAMIC_CONFIG_FILE = path.join(REPO_ROOT, 'deploy', 'temporal-dynamicconfig.yaml');

/** The module's own config for PostgreSQL 12+, adapted at start (addresses, credentials, ports). */
const CONFIG_TEMPLATE = 'config/development-postgres12.yaml';
const SCHEMA_DIR = 'schema/postgresql/v12';
/** More than one, so that a run spreads over shards and their owners as on a production cluster. */
export const MIN_HISTORY_SHARDS = 4;

/** In start order: history first (see startAll). */
const CLUSTER_SERVICES = ['history', 'matching', 'frontend', 'worker'] as const;
type ClusterService = (typeof CLUSTER_SERVICES)[number];

/** Membership and shard ownership settle in seconds; a loaded 2-core box needs more. */
const START_TIMEOUT_MS = 120_000;
/** Graceful shutdown hands shards over; past this the process group is killed. */
const STOP_GRACE_MS = 15_000;
const POLL_INTERVAL_MS = 200;
const GRPC_ALREADY_EXISTS = 6;
const GRPC_NOT_FOUND = 5;
/** How long the server keeps closed workflows; it has to be set when a namespace is registered. */
const RETENTION = '3 days';

const execFileAsync = promisify(execFile);

export interface TemporalServerInstall {
  server: string;
  sqlTool: string;
  /** `schema/postgresql/v12` of the module: `temporal/versioned` and `visibility/versioned`. */
  schemaDir: string;
  configTemplate: string;
}

function installAt(dir: string): TemporalServerInstall {
  return {
    server: path.join(dir, 'bin', 'server'),
    sqlTool: path.join(dir, 'bin', 'sql'),
    schemaDir: path.join(dir, 'schema'),
    configTemplate: path.join(dir, 'development-postgres12.yaml'),
  };
}

/**
 * The server and its schema tool from `.tools/temporal-server-<version>`, built there with `go install`
 * first when missing (about 4 minutes after the CLI's build, whose module and build caches it reuses),
 * with the module's schema files and config template copied beside them.
 */
export async function findOrInstallTemporalServer(): Promise<TemporalServerInstall> {
  const installed = installAt(INSTALL_DIR);
  if (existingExecutable(installed.server) && existingExecutable(installed.sqlTool)) return installed;
  const go = findOnPath('go') ?? existingExecutable('/usr/local/go/bin/go');
  if (!go) throw new Error(`Building the Temporal server ${TEMPORAL_SERVER_VERSION} needs go: not found on PATH nor at /usr/local/go/bin/go`);

  fs.mkdirSync(TOOLS_DIR, { recursive: true });
  // Built into a private directory and renamed, so a concurrent install never leaves half a tree.
  const staging = fs.mkdtempSync(path.join(TOOLS_DIR, 'server-install-'));
  try {
    const env = goEnv(path.join(staging, 'bin'));
    process.stderr.write(
      `No Temporal server found: building ${PACKAGES.join(' ')} once into ${path.relative(REPO_ROOT, INSTALL_DIR)} with go install (about 4 minutes; later runs reuse it)\n`,
    );
    await runCommand(go, ['install', ...PACKAGES], env);
    const { stdout } = await execFileAsync(go, ['mod', 'download', '-json', `${MODULE}@v${TEMPORAL_SERVER_VERSION}`], { env, cwd: staging });
    const moduleDir = (JSON.parse(stdout) as { Dir: string }).Dir;
    const staged = installAt(staging);
    fs.cpSync(path.join(moduleDir, SCHEMA_DIR), staged.schemaDir, { recursive: true });
    fs.copyFileSync(path.join(moduleDir, CONFIG_TEMPLATE), staged.configTemplate);
    // The module cache is read-only; copies that stay so could not be deleted by their owner. The binaries stay executable.
    for (const entry of ['.', ...fs.readdirSync(staging, { recursive: true, encoding: 'utf8' })]) {
      const file = path.join(staging, entry);
      const { mode } = fs.statSync(file);
      fs.chmodSync(file, mode & 0o111 ? 0o755 : 0o644);
    }
    try {
      fs.renameSync(staging, INSTALL_DIR);
    } catch (err) {
      // Another install renamed its tree into place first.
      if (!existingExecutable(installed.server)) throw err;
    }
    return installed;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

export interface TemporalClusterOptions {
  /**
   * A PostgreSQL server whose user may create databases (the embedded one, or `DATABASE_URL`'s);
   * only its host, port and credentials are used.
   */
  postgresUrl: string;
  /** Persistence goes to `<prefix>`, visibility to `<prefix>_visibility` on that server (`temporal`). */
  databasePrefix?: string;
  /** The namespace registered at start, as compose's namespace job does; `default` when omitted. */
  namespace?: string;
  /** Frontend gRPC port; a free one when omitted. */
  port?: number;
  /** Holds the rendered config and one log per service; `.data/temporal-cluster-<port>` when omitted. */
  dir?: string;
  install?: TemporalServerInstall;
}

export interface TemporalCluster {
  /** `127.0.0.1:<port>`, for `Connection.connect({ address })` and `TEMPORAL_ADDRESS`. */
  address: string;
  namespace: string;
  historyShards: number;
  dir: string;
  /** Stops every service gracefully, starts them again and waits until the cluster serves. */
  restart(): Promise<void>;
  /** Stops every service; safe to call twice. */
  stop(): Promise<void>;
}

/** Sets up the schemas, starts the four services and resolves once the namespace is served. */
export async function startTemporalCluster(opts: TemporalClusterOptions): Promise<TemporalCluster> {
  const install = opts.install ?? (await findOrInstallTemporalServer());
  const namespace = opts.namespace ?? 'default';
  const prefix = opts.databasePrefix ?? 'temporal';
  const databases = { persistence: prefix, visibility: `${prefix}_visibility` };
  const pgUrl = new URL(opts.postgresUrl);

  await setUpSchema(install, pgUrl, databases.persistence, path.join(install.schemaDir, 'temporal', 'versioned'));
  await setUpSchema(install, pgUrl, databases.visibility, path.join(install.schemaDir, 'visibility', 'versioned'));

  const ports = {
    frontend: opts.port ?? (await freePort()),
    frontendHttp: await freePort(),
    frontendMembership: await freeMembershipPort(),
    history: await freePort(),
    historyMembership: await freeMembershipPort(),
    matching: await freePort(),
    matchingMembership: await freeMembershipPort(),
    worker: await freePort(),
    workerMembership: await freeMembershipPort(),
  };
  if (await canConnect('127.0.0.1', ports.frontend)) {
    throw new Error(`Port ${ports.frontend} is already in use; find it with: ss -ltnp 'sport = :${ports.frontend}'`);
  }
  const dir = path.resolve(opts.dir ?? path.join(REPO_ROOT, '.data', `temporal-cluster-${ports.frontend}`));
  const config = renderConfig(fs.readFileSync(install.configTemplate, 'utf8'), pgUrl, databases, ports);
  fs.mkdirSync(path.join(dir, 'config'), { recursive: true });
  // The rendered file holds the database password: readable by its owner only.
  fs.writeFileSync(path.join(dir, 'config', 'carsync.yaml'), stringify(config.document), { mode: 0o600 });

  const address = `127.0.0.1:${ports.frontend}`;
  const running = new Map<ClusterService, ServiceProcess>();
  const startService = (service: ClusterService): void => {
    running.set(service, spawnService(install.server, dir, service));
  };
  const stopServices = async (services: readonly ClusterService[]): Promise<void> => {
    // Frontend first, so no new call arrives while history hands its shards over.
    const order = [...services].sort((a, b) => STOP_ORDER.indexOf(a) - STOP_ORDER.indexOf(b));
    for (const service of order) {
      await running.get(service)?.stop();
      running.delete(service);
    }
  };
  const failure = (): string | undefined => {
    for (const [service, proc] of running) {
      if (proc.exit.done()) return `${service} ended (${proc.exit.reason()}); last lines of ${proc.logFile}:\n${shortTail(proc.logFile)}`;
    }
    return undefined;
  };
  const startAll = async (): Promise<void> => {
    // The first service up writes the cluster's metadata into a new database; others started beside
    // it race it to the same row, and the loser exits.
    startService(CLUSTER_SERVICES[0]);
    await waitUntilListening(ports.history, failure);
    for (const service of CLUSTER_SERVICES.slice(1)) startService(service);
    await waitUntilReady(address, namespace, dir, failure);
  };

  try {
    await startAll();
  } catch (err) {
    await stopServices(CLUSTER_SERVICES);
    throw err;
  }
  return {
    address,
    namespace,
    historyShards: config.historyShards,
    dir,
    restart: async () => {
      await stopServices(CLUSTER_SERVICES);
      await startAll();
    },
    stop: () => stopServices(CLUSTER_SERVICES),
  };
}

/** A log's last lines, each cut short: the server logs a stack trace inside each JSON line. */
function shortTail(file: string): string {
  return tail(file, 8)
    .split('\n')
    .map((line) => (line.length > 400 ? `${line.slice(0, 400)}...` : line))
    .join('\n');
}

async function waitUntilListening(port: number, failed: () => string | undefined): Promise<void> {
  for (const deadline = Date.now() + START_TIMEOUT_MS; !(await canConnect('127.0.0.1', port)); await sleep(POLL_INTERVAL_MS)) {
    const failure = failed();
    if (failure) throw new Error(failure);
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${START_TIMEOUT_MS} ms`);
  }
}

const STOP_ORDER: readonly ClusterService[] = ['frontend', 'worker', 'matching', 'history'];

interface ServiceProcess {
  child: ChildProcess;
  exit: ExitWatch;
  logFile: string;
  stop(): Promise<void>;
}

function spawnService(server: string, dir: string, service: ClusterService): ServiceProcess {
  const logFile = path.join(dir, `${service}.log`);
  const logFd = fs.openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    // Its own process group: a terminal's Ctrl-C must not stop the server before the workers have drained.
    child = spawn(server, ['--root', dir, '--config', 'config', '--env', 'carsync', '--allow-no-auth', 'start', '--service', service], {
      stdio: ['ignore', logFd, logFd],
      detached: true,
      cwd: dir,
    });
  } finally {
    fs.closeSync(logFd);
  }
  const exit = watchExit(child);
  const send = (sig: NodeJS.Signals): void => signalChild(child, sig, { group: true });
  const killOnExit = (): void => send('SIGKILL');
  process.on('exit', killOnExit);
  return {
    child,
    exit,
    logFile,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      await stopWithGrace(exit, send, 'SIGTERM', 'SIGKILL', STOP_GRACE_MS);
    },
  };
}

/** `create-database`, `setup-schema -v 0.0`, `update-schema -d <versioned dir>`: each is a no-op when already done. */
async function setUpSchema(install: TemporalServerInstall, pgUrl: URL, database: string, versionedDir: string): Promise<void> {
  // Credentials through the tool's environment variables, not its command line, which `ps` shows.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SQL_PLUGIN: 'postgres12',
    SQL_HOST: pgUrl.hostname,
    SQL_PORT: pgUrl.port || '5432',
    SQL_USER: decodeURIComponent(pgUrl.username),
    SQL_PASSWORD: decodeURIComponent(pgUrl.password),
    SQL_DATABASE: database,
  };
  for (const args of [['create-database'], ['setup-schema', '-v', '0.0'], ['update-schema', '-d', versionedDir]]) {
    // The tool logs every statement it runs: its output is shown only when it fails.
    await execFileAsync(install.sqlTool, args, { env, maxBuffer: 64 * 1024 * 1024 }).catch((err: { stderr?: string; message: string }) => {
      throw new Error(`temporal-sql-tool ${args.join(' ')} on ${database} failed: ${(err.stderr ?? err.message).trim().split('\n').slice(-10).join('\n')}`);
    });
  }
}

type Ports = Record<
  'frontend' | 'frontendHttp' | 'frontendMembership' | 'history' | 'historyMembership' | 'matching' | 'matchingMembership' | 'worker' | 'workerMembership',
  number
>;

interface YamlMap {
  [key: string]: unknown;
}

/** The module's template with this host's addresses, credentials and ports; everything else as shipped. */
export function renderConfig(
  template: string,
  pgUrl: URL,
  databases: { persistence: string; visibility: string },
  ports: Ports,
): { document: YamlMap; historyShards: number } {
  const document = parse(template) as YamlMap;
  const at = (map: unknown, key: string): YamlMap => {
    const value = (map as YamlMap)[key];
    if (typeof value !== 'object' || value === null) throw new Error(`${CONFIG_TEMPLATE} has no ${key} section`);
    return value as YamlMap;
  };
  document.log = { stdout: true, level: 'warn' };
  const persistence = at(document, 'persistence');
  const historyShards = Number(persistence.numHistoryShards);
  if (!(historyShards >= MIN_HISTORY_SHARDS))
    throw new Error(`${CONFIG_TEMPLATE} sets ${historyShards} history shards; at least ${MIN_HISTORY_SHARDS} expected`);
  const stores = at(persistence, 'datastores');
  for (const [store, database] of [
    [persistence.defaultStore as string, databases.persistence],
    [persistence.visibilityStore as string, databases.visibility],
  ]) {
    Object.assign(at(at(stores, store), 'sql'), {
      databaseName: database,
      connectAddr: `${pgUrl.hostname}:${pgUrl.port || '5432'}`,
      user: decodeURIComponent(pgUrl.username),
      password: decodeURIComponent(pgUrl.password),
    });
  }
  const global = at(document, 'global');
  // Fixed ports for pprof and metrics would collide between clusters on one host; neither is needed here.
  delete global.pprof;
  delete global.metrics;
  const services = at(document, 'services');
  Object.assign(at(at(services, 'frontend'), 'rpc'), { grpcPort: ports.frontend, httpPort: ports.frontendHttp, membershipPort: ports.frontendMembership });
  Object.assign(at(at(services, 'history'), 'rpc'), { grpcPort: ports.history, membershipPort: ports.historyMembership });
  Object.assign(at(at(services, 'matching'), 'rpc'), { grpcPort: ports.matching, membershipPort: ports.matchingMembership });
  Object.assign(at(at(services, 'worker'), 'rpc'), { grpcPort: ports.worker, membershipPort: ports.workerMembership });
  const clusterInformation = at(at(document, 'clusterMetadata'), 'clusterInformation');
  for (const cluster of Object.values(clusterInformation)) (cluster as YamlMap).rpcAddress = `127.0.0.1:${ports.frontend}`;
  document.dynamicConfigClient = { filepath: DYNAMIC_CONFIG_FILE, pollInterval: '10s' };
  return { document, historyShards };
}

/**
 * The server stores membership ports as smallint, so they must be below 32768, where the kernel's
 * ephemeral range (and so `freePort`) does not reach: a random one there that is free a moment ago.
 */
async function freeMembershipPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + crypto.randomInt(12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/**
 * Registers the namespace (what compose's namespace job does with `temporal operator namespace create`;
 * an existing one is kept), then waits until a workflow call in it reaches a history shard: describing
 * a workflow that does not exist answers NOT_FOUND only when frontend, namespace cache and history serve.
 */
async function waitUntilReady(address: string, namespace: string, logDir: string, failed: () => string | undefined): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  const probeId = `carsync-readiness-${crypto.randomUUID()}`;
  const [host, port] = address.split(':');
  let registered = false;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const failure = failed();
    if (failure) throw new Error(`Temporal cluster at ${address}: ${failure}`);
    if (await canConnect(host, Number(port))) {
      try {
        const connection = await Connection.connect({ address, connectTimeout: 2_000 });
        try {
          if (!registered) {
            await connection.workflowService
              .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(RETENTION) })
              .catch((err: { code?: number }) => {
                if (err.code !== GRPC_ALREADY_EXISTS) throw err;
              });
            registered = true;
          }
          await connection.workflowService.describeWorkflowExecution({ namespace, execution: { workflowId: probeId } });
        } finally {
          await connection.close();
        }
      } catch (err) {
        // NOT_FOUND for the workflow (not the namespace): every service on the path answered.
        if ((err as { code?: number }).code === GRPC_NOT_FOUND && !/namespace/i.test(errorMessage(err))) return;
        lastError = err;
      }
    }
    await sleep(POLL_INTERVAL_MS);
  }
  throw new Error(`Temporal cluster at ${address} not ready after ${START_TIMEOUT_MS} ms (${errorMessage(lastError)}); logs in ${logDir}`);
}
