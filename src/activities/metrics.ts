import type { MetricMeter } from '@temporalio/common';

/**
 * carsync's own Prometheus metrics. They go through the Temporal SDK's meter, so the worker's one
 * metrics endpoint serves them beside the SDK's runtime metrics.
 */
export function createMetrics(meter: MetricMeter) {
  const cars = meter.createCounter('carsync_cars', 'cars', 'Cars synced, by outcome (inserted, updated, unchanged, rejected)');
  const pages = meter.createCounter('carsync_pages', 'pages', 'Pages fetched and written');
  const requests = meter.createCounter('carsync_api_requests', 'requests', 'Upstream requests, by status (network for no answer)');
  const latency = meter.createHistogram('carsync_api_request_duration', 'int', 'ms', 'Upstream request duration, by status');
  return {
    carsSynced(outcome: 'inserted' | 'updated' | 'unchanged' | 'rejected', n: number): void {
      if (n > 0) cars.add(n, { outcome });
    },
    pageSynced(): void {
      pages.add(1);
    },
    request(status: number | 'network', ms: number): void {
      const tags = { status: String(status) };
      requests.add(1, tags);
      latency.record(Math.round(ms), tags);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Histogram buckets for upstream latency, in ms: fine around a typical 20–100 ms API. */
export const API_LATENCY_BUCKETS_MS = [5, 10, 15, 20, 25, 30, 40, 50, 75, 100, 150, 250, 500, 1000, 2500, 5000, 10000, 30000];
