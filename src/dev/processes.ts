import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

/** Process and port helpers shared by the local servers (PostgreSQL, Temporal) the project starts. */

export interface ExitWatch {
  promise: Promise<void>;
  done(): boolean;
  reason(): string;
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
