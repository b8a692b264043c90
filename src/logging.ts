import type { Writable } from 'node:stream';
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';

/**
 * A Temporal logger that writes one JSON object per line: time, level, message and the SDK's
 * metadata (workflow and activity ids, task queue). Errors are reduced to their name, failure type
 * and message: stack traces of expected retries would drown the log.
 */
export function jsonLogger(level: LogLevel, out: Writable = process.stdout): DefaultLogger {
  return new DefaultLogger(level, (entry: LogEntry) => {
    const meta = Object.fromEntries(Object.entries(entry.meta ?? {}).map(([key, value]) => [key, value instanceof Error ? describe(value) : value]));
    out.write(
      `${JSON.stringify({ time: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(), level: entry.level, message: entry.message, ...meta })}\n`,
    );
  });
}

function describe(err: Error): Record<string, unknown> {
  const type = (err as { type?: unknown }).type;
  return { name: err.name, ...(typeof type === 'string' ? { type } : {}), message: err.message };
}
