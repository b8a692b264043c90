import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

/** Process and port helpers shared by the local servers (PostgreSQL, Temporal) the project starts. */

export interface ExitWatch {
  promise: Promise<void>;
  done(): boolean;
  reason(): string;
}

/**
 * Sends `sig` to the child, or to its whole process group (it must have been spawned `detached`).
 * A process or group already gone is no error.
 */
export function signalChild(child: ChildProcess, sig: NodeJS.Signals, { group = false } = {}): void {
  if (child.pid === undefined) return;
  try {
    process.kill(group ? -child.pid : child.pid, sig);
  } catch {
    // ESRCH: already gone.
  }
}

/** Sends `first`, then `last` if the process has not exited `graceMs` later, and waits for the exit. */
export async function stopWithGrace(
  exit: ExitWatch,
  send: (sig: NodeJS.Signals) => void,
  first: NodeJS.Signals,
  last: NodeJS.Signals,
  graceMs: number,
): Promise<void> {
  if (exit.done()) return;
  send(first);
  const timer = setTimeout(() => send(last), graceMs);
  await exit.promise;
  clearTimeout(timer);
}

/** Settles on 'exit', or on 'error' when the process could not even be spawned. */
export function watchExit(child: ChildProcess): ExitWatch {
  let reason: string | undefined;
  const promise = new Promise<void>((resolve) => {
    child.once('exit', (code, sig) => {
      reason ??= `exit ${code ?? sig}`;
      resolve();
    });
    child.once('error', (err) => {
      reason ??= err.message;
      resolve();
    });
  });
  return { promise, done: () => reason !== undefined, reason: () => reason ?? 'running' };
}

/** A port that was free a moment ago; the OS picks it, so parallel callers rarely collide. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The last lines of a log file, for an error message. */
export function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
