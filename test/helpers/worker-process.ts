import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { signalChild } from '../../src/dev/processes';
import { WORKER_ENV, WORKER_SOURCE_NODE_ARGS } from '../../src/worker-settings';
import { workflowBundlePath } from './servers';

const REPO_ROOT = resolve(__dirname, '..', '..');
/** `npm run worker`'s command line (src/worker-settings.ts). */
const WORKER_ARGS = [...WORKER_SOURCE_NODE_ARGS, 'src/worker.ts'];

/** `npm run worker` as a real process: the same entry point, configured only by its environment. */
export interface WorkerProcess {
  pid: number;
  /** Everything the worker wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves when the whole process group is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL to the process group (tsx and the node it runs): a crash, no cleanup of any kind. */
  kill(): Promise<void>;
}

const running = new Set<ChildProcess>();
// A failed or timed-out test must not leave workers polling the shared Temporal server.
process.on('exit', () => {
  for (const child of running) signalChild(child, 'SIGKILL', { group: true });
});

/** Variables the worker reads: a test's worker gets those the test gives it, never the shell's. */
const WORKER_CONFIG = /^(TEMPORAL_|CARSYNC_|CARS_API_|DATABASE_URL$)/;

/**
 * Starts src/worker.ts as `npm run worker` does, in its own process group, configured by `env`. It loads
 * the run's workflow bundle (test/global-setup.ts) rather than bundling for seconds at start-up, unless
 * `env` names another `CARSYNC_WORKFLOW_BUNDLE` (an empty one: bundle at start-up).
 */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !WORKER_CONFIG.test(name)));
  const bundle = process.env.CARSYNC_TEST_WORKFLOW_BUNDLE;
  const child = spawn(process.execPath, WORKER_ARGS, {
    cwd: REPO_ROOT,
    env: { ...inherited, ...WORKER_ENV, ...(bundle ? { CARSYNC_WORKFLOW_BUNDLE: bundle } : {}), ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.once('error', (err) => void (output += `could not start node ${WORKER_ARGS.join(' ')}: ${err.message}\n`));
  if (child.pid === undefined) throw new Error(`could not start node ${WORKER_ARGS.join(' ')}`);
  running.add(child);
  const collect = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = once(child, 'exit').then(([code, signal]) => {
    running.delete(child);
    // The worker's own children (the workflow bundler at start-up) go with its group.
    signalChild(child, 'SIGKILL', { group: true });
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });
  return {
    pid: child.pid,
    output: () => output,
    exited,
    kill: async () => {
      signalChild(child, 'SIGKILL', { group: true });
      await exited;
    },
  };
}

/**
 * The workflow bundle for in-process workers: the per-run file that test/global-setup.ts built, or,
 * without one (the cluster tier, the history recorder), bundled here once into it. Worker processes
 * load the file (`CARSYNC_WORKFLOW_BUNDLE`) instead of bundling at start-up.
 */
export async function testWorkflowBundle(): Promise<{ code: string; codePath: string }> {
  const file = workflowBundlePath();
  if (existsSync(file)) return { code: readFileSync(file, 'utf8'), codePath: file };
  const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never;
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), logger: quiet });
  // Written aside and renamed: a test file in another jest worker must never read half a bundle.
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, code);
  renameSync(partial, file);
  return { code, codePath: file };
}

/** A port that was free a moment ago, for a server that must come back on the same one. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolvePort(port));
    });
  });
}
