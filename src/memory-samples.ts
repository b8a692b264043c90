import { appendFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';

/** One sample of where the worker's memory is, as `npm run bench` reads it. Sizes in bytes. */
export interface MemorySample {
  /** Epoch milliseconds. */
  t: number;
  rss: number;
  /** The main isolate's V8 heap; the workflow isolate's is part of the rest of the RSS. */
  heapUsed: number;
  heapTotal: number;
  /** Memory V8 objects hold outside the heap (array buffers included), and the array buffers alone. */
  external: number;
  arrayBuffers: number;
  cachedWorkflows: number;
  /** Garbage-collection pauses of the main isolate since the sampling began: their count and total. */
  gcCount: number;
  gcMs: number;
  /** The longest pause since the previous sample. */
  gcMaxMs: number;
}

/**
 * Appends a sample as a JSON line to `file` every `intervalMs` until the returned stop is called.
 * The worker does this when `CARSYNC_MEMORY_SAMPLES` names a file (the bench sets it).
 */
export function sampleMemory(file: string, cachedWorkflows: () => number, intervalMs = 100): () => void {
  const gc = { gcCount: 0, gcMs: 0, gcMaxMs: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.gcCount += 1;
      gc.gcMs += entry.duration;
      gc.gcMaxMs = Math.max(gc.gcMaxMs, entry.duration);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const timer = setInterval(() => {
    const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
    const sample: MemorySample = { t: Date.now(), rss, heapUsed, heapTotal, external, arrayBuffers, cachedWorkflows: cachedWorkflows(), ...gc };
    appendFileSync(file, `${JSON.stringify(sample)}\n`);
    gc.gcMaxMs = 0;
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    observer.disconnect();
  };
}
