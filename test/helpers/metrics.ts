/** Fetches a worker's Prometheus text exposition from `http://127.0.0.1:<port>/metrics`. */
export async function scrapeMetrics(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET http://127.0.0.1:${port}/metrics answered ${response.status}`);
  return response.text();
}

/**
 * The value of one metric in a Prometheus text exposition, summed over its series (label sets) that
 * carry all of `labels`. A metric that does not appear counts as 0: the SDK exposes a counter only
 * once something was added to it.
 */
export function metricValue(exposition: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of exposition.split('\n')) {
    // `name 12`, `name{a="b",c="d"} 12`, either with an optional trailing timestamp; `#` lines are comments.
    const match = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line.trim());
    if (!match || match[1] !== name) continue;
    const series = Object.fromEntries([...(match[2] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key, value]));
    if (Object.entries(labels).every(([key, value]) => series[key] === value)) sum += Number(match[3]);
  }
  return sum;
}

/** Scrapes a worker and returns one metric's value, summed over its series that carry all of `labels`. */
export async function scrapeMetric(port: number, name: string, labels: Record<string, string> = {}): Promise<number> {
  return metricValue(await scrapeMetrics(port), name, labels);
}
