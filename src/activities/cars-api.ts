import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { errorForStatus, UpstreamNetworkError } from '../errors';
import { pageSchema, type Page } from './car-schema';

const gunzipAsync = promisify(gunzip);
/** The longest rate-limit window taken from `X-RateLimit-Reset`. */
const MAX_WINDOW_SECONDS = 3600;

export interface CarsQuery {
  perPage: number;
  page?: number;
  afterId?: number;
  maxId?: number | null;
  updatedSince?: string;
  makes?: string[];
}

export interface CarsApi {
  fetchPage(query: CarsQuery): Promise<Page>;
  /** What the upstream's rate-limit headers allow; null until a served answer has carried them. */
  advertisedLimit(): AdvertisedLimit | null;
  close(): Promise<void>;
}

/** `X-RateLimit-Limit` requests per window, the window being the longest `X-RateLimit-Reset` of a served answer. */
export interface AdvertisedLimit {
  limit: number;
  windowSeconds: number;
}

export interface CarsApiOptions {
  url: string;
  key: string;
  timeoutMs: number;
  /** Keep-alive connections to the upstream. */
  connections?: number;
  /** Told of every request's outcome and duration, for metrics. */
  observe?: (status: number | 'network', ms: number) => void;
}

/** An HTTP client of the car listings API: keep-alive, gzip, timeouts, and one error class per failure. */
export function createCarsApi(options: CarsApiOptions): CarsApi {
  const dispatcher = new Agent({
    connections: options.connections ?? 64,
    keepAliveTimeout: 30_000,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connectTimeout: Math.min(options.timeoutMs, 10_000),
  });
  const headers = {
    authorization: `Bearer ${options.key}`,
    accept: 'application/json',
    'accept-encoding': 'gzip',
  };

  let advertisedLimit: number | null = null;
  let windowSeconds = 0;
  /**
   * From answers that were served: a refusal's reset may count a penalty beyond the window (the
   * simulator's does). Values that are not positive numbers are ignored, and so is a reset beyond an
   * hour: more likely an epoch timestamp than seconds, and pacing by it would all but stop the sync.
   */
  const learnLimit = (responseHeaders: Record<string, string | string[] | undefined>) => {
    const limit = Number(header(responseHeaders, 'x-ratelimit-limit'));
    const reset = Number(header(responseHeaders, 'x-ratelimit-reset'));
    if (!(Number.isInteger(limit) && limit > 0 && reset > 0 && reset <= MAX_WINDOW_SECONDS)) return;
    advertisedLimit = limit;
    windowSeconds = Math.max(windowSeconds, Math.ceil(reset));
  };

  async function fetchPage(query: CarsQuery): Promise<Page> {
    const url = new URL(`${options.url}/v1/cars`);
    url.searchParams.set('per_page', String(query.perPage));
    if (query.page !== undefined) url.searchParams.set('page', String(query.page));
    if (query.afterId !== undefined) url.searchParams.set('after_id', String(query.afterId));
    if (query.maxId !== undefined && query.maxId !== null) url.searchParams.set('max_id', String(query.maxId));
    if (query.updatedSince !== undefined) url.searchParams.set('updated_since', query.updatedSince);
    if (query.makes?.length) url.searchParams.set('make', query.makes.join(','));
    const where = `GET ${url.pathname}${url.search}`;

    let status: number;
    let responseHeaders: Record<string, string | string[] | undefined>;
    let body: Buffer;
    const started = performance.now();
    try {
      const response = await request(url, { dispatcher, headers, signal: AbortSignal.timeout(options.timeoutMs) });
      status = response.statusCode;
      responseHeaders = response.headers;
      if (status === 200) learnLimit(responseHeaders);
      body = Buffer.from(await response.body.arrayBuffer());
      options.observe?.(status, performance.now() - started);
      if (responseHeaders['content-encoding'] === 'gzip') body = await gunzipAsync(body);
    } catch (err) {
      options.observe?.('network', performance.now() - started);
      throw new UpstreamNetworkError(`${where} failed: ${describeNetworkError(err)}`);
    }

    if (status !== 200) {
      const retryAfterMs = parseRetryAfter(header(responseHeaders, 'retry-after'));
      throw errorForStatus(status, `${where}: ${summarizeErrorBody(body)}`, retryAfterMs);
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      throw new UpstreamNetworkError(`${where} answered 200 with a body that is not JSON (${body.length} bytes, possibly truncated)`);
    }
    const page = pageSchema.safeParse(json);
    if (!page.success) {
      const issue = page.error.issues[0];
      throw new UpstreamNetworkError(`${where} answered 200 with a malformed page: ${issue.path.join('.')}: ${issue.message}`);
    }
    return page.data;
  }

  return {
    fetchPage,
    advertisedLimit: () => (advertisedLimit === null ? null : { limit: advertisedLimit, windowSeconds }),
    close: () => dispatcher.close(),
  };
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `Retry-After` is either delta-seconds or an HTTP date; absent or unparsable means one second. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number {
  const fallback = 1000;
  if (value === undefined || value.trim() === '') return fallback;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.max(0, Math.ceil(Number(value) * 1000));
  const date = Date.parse(value);
  return Number.isNaN(date) ? fallback : Math.max(0, date - now);
}

function summarizeErrorBody(body: Buffer): string {
  const text = body.toString('utf8', 0, Math.min(body.length, 500));
  try {
    const json = JSON.parse(text) as { error?: unknown; message?: unknown };
    return [json.error, json.message].filter((part) => typeof part === 'string').join(': ') || text;
  } catch {
    return text.replace(/\s+/g, ' ').trim() || '(empty body)';
  }
}

function describeNetworkError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: string }).code;
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'no answer within the request timeout';
    return code ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
