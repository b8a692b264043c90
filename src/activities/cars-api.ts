import type { Readable } from 'node:stream';
import { isAscii } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import { Agent, request } from 'undici';
import { DEFAULT_MAX_RESPONSE_BYTES } from '../config';
import { errorForStatus, UpstreamNetworkError, type RetryAfter } from '../errors';
import { redactor } from '../redact';
import { pageSchema, type Page } from './car-schema';

/** The longest rate-limit window taken from `X-RateLimit-Reset`. */
const MAX_WINDOW_SECONDS = 3600;
/** An error answer is read this far: enough for its message, never a gateway's megabytes. */
const ERROR_BODY_BYTES = 64 * 1024;
/** The most upstream text an error message quotes. */
const MAX_DETAIL_CHARS = 500;
/**
 * The longest a 429's `Retry-After` is waited for: as long as a range's own backoff ever waits, and
 * short enough that a run resumes within minutes of the upstream recovering. Asking again costs a 429.
 */
export const MAX_RETRY_AFTER_SECONDS = 300;
/** Delta-seconds from here on read as an epoch timestamp: 10^9 s after 1970 is 2001. */
const EPOCH_SECONDS_FROM = 1e9;

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
  /** Upstream text without the key (in every form it is sent or quoted in) or anything shaped like a credential. */
  redact(text: string): string;
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
  /** The whole request, from sending it to the last byte of the answer. */
  timeoutMs: number;
  /** The largest answer taken, once decompressed (DEFAULT_MAX_RESPONSE_BYTES if unset). */
  maxResponseBytes?: number;
  /** Keep-alive connections to the upstream. */
  connections?: number;
  /** Told of every request's outcome and duration, for metrics. */
  observe?: (status: number | 'network', ms: number) => void;
}

/** An HTTP client of the car listings API: keep-alive, gzip, timeouts, and one error class per failure. */
export function createCarsApi(options: CarsApiOptions): CarsApi {
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
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

  const redact = redactor([options.key]);
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
    let body: Buffer | null;
    const started = performance.now();
    // The timeout covers the whole answer, body included: undici's own timeouts are per read, which a slow drip defeats.
    const signal = AbortSignal.timeout(options.timeoutMs);
    try {
      const response = await request(url, { dispatcher, headers, signal });
      status = response.statusCode;
      responseHeaders = response.headers;
      if (status === 200) {
        learnLimit(responseHeaders);
        const type = header(responseHeaders, 'content-type') ?? '';
        if (!JSON_CONTENT_TYPE.test(type)) {
          // Abandoned on purpose: the error it would raise is this one.
          response.body.on('error', () => undefined).destroy();
          throw new UpstreamNetworkError(`${where} answered 200 with Content-Type ${JSON.stringify(upstreamText(type, 100))}, not application/json`);
        }
      }
      const gzipped = /^\s*(x-)?gzip\s*$/i.test(header(responseHeaders, 'content-encoding') ?? '');
      body = await readBody(response.body, gzipped, status === 200 ? maxResponseBytes : ERROR_BODY_BYTES);
      options.observe?.(status, performance.now() - started);
    } catch (err) {
      options.observe?.('network', performance.now() - started);
      if (err instanceof UpstreamNetworkError) throw err;
      const reason = signal.aborted ? `no complete answer within the request timeout (${options.timeoutMs} ms)` : describeNetworkError(err);
      throw new UpstreamNetworkError(`${where} failed: ${reason}`);
    }

    if (status !== 200) {
      const detail = body === null ? `(a body of over ${ERROR_BODY_BYTES} bytes)` : summarizeErrorBody(body);
      throw errorForStatus(status, detail, parseRetryAfter(header(responseHeaders, 'retry-after')));
    }
    if (body === null) {
      throw new UpstreamNetworkError(
        `${where} answered 200 with a body over CARSYNC_MAX_RESPONSE_BYTES (${maxResponseBytes} bytes once decompressed); the request was abandoned`,
      );
    }
    let json: unknown;
    try {
      // Nearly every page is ASCII, which read as Latin-1 is the same text, decoded at a fraction of UTF-8's cost.
      json = JSON.parse(body.toString(isAscii(body) ? 'latin1' : 'utf8'));
    } catch {
      throw new UpstreamNetworkError(`${where} answered 200 with a body that is not JSON (${body.length} bytes, possibly truncated)`);
    }
    const page = pageSchema.safeParse(json);
    if (!page.success) {
      const issue = page.error.issues[0];
      throw new UpstreamNetworkError(`${where} answered 200 with a malformed page: ${upstreamText(`${issue.path.join('.')}: ${issue.message}`)}`);
    }
    return page.data;
  }

  /** Upstream text as it may enter an error: without the key or anything like a credential, one short plain line. */
  function upstreamText(text: string, maxLength = MAX_DETAIL_CHARS): string {
    const plain = redact(text)
      .replace(/[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    return plain.length > maxLength ? `${plain.slice(0, maxLength)}...` : plain;
  }

  function summarizeErrorBody(body: Buffer): string {
    const text = body.toString('utf8');
    try {
      const json = JSON.parse(text) as { error?: unknown; message?: unknown };
      const parts = [json.error, json.message].filter((part) => typeof part === 'string');
      if (parts.length > 0) return upstreamText(parts.join(': '));
    } catch {
      // Not JSON (a gateway's HTML page, say): its text is shown as it is.
    }
    return upstreamText(text) || '(empty body)';
  }

  function describeNetworkError(err: unknown): string {
    if (err instanceof Error) {
      const code = (err as { code?: string }).code;
      return upstreamText(code ? `${code}: ${err.message}` : err.message);
    }
    return upstreamText(String(err));
  }

  return {
    fetchPage,
    advertisedLimit: () => (advertisedLimit === null ? null : { limit: advertisedLimit, windowSeconds }),
    redact,
    close: () => dispatcher.close(),
  };
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A 200's media type: JSON, with or without parameters or a `+json` suffix. */
const JSON_CONTENT_TYPE = /^\s*application\/([\w.-]+\+)?json\s*(;|$)/i;

/**
 * Reads a body, and gunzips it once whole, answering null as soon as more than `limit` bytes have come
 * in or would come out (the request is abandoned, closing its connection): a gzip bomb or an endless
 * body never holds more. Gunzipped in one go, the page's text is garbage before the next young-generation
 * collection; gunzipped as it arrived, its pieces outlived a collection or two and waited for a full one.
 */
async function readBody(body: Readable, gzipped: boolean, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      return null;
    }
    chunks.push(chunk);
  }
  const whole = Buffer.concat(chunks, size);
  if (!gzipped) return whole;
  try {
    return gunzipSync(whole, { maxOutputLength: limit });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return null;
    throw err;
  }
}

/**
 * The wait a 429's `Retry-After` asks for (delta-seconds or an HTTP date; absent or unparsable means
 * one second), capped at MAX_RETRY_AFTER_SECONDS. Delta-seconds of 10^9 or more (2001 as a
 * timestamp) are taken as the epoch time to retry at, as some gateways send it.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): RetryAfter {
  const askedMs = retryAfterMs(value?.trim() ?? '', now);
  const capMs = MAX_RETRY_AFTER_SECONDS * 1000;
  return askedMs > capMs ? { ms: capMs, cappedFromMs: askedMs } : { ms: askedMs, cappedFromMs: null };
}

function retryAfterMs(value: string, now: number): number {
  const fallback = 1000;
  if (value === '') return fallback;
  if (/^\d+(\.\d+)?$/.test(value)) {
    const seconds = Number(value);
    return Math.max(0, Math.ceil(seconds >= EPOCH_SECONDS_FROM ? seconds * 1000 - now : seconds * 1000));
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? fallback : Math.max(0, date - now);
}
