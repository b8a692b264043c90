import { once } from 'node:events';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { JSON_TYPE } from './http-util';

const gzip = promisify(zlib.gzip);

/**
 * Answers that real servers of the API give at its edges, each allowed by the contract or at least
 * seen in the wild: the client must survive them without losing data, stalling or leaking its key.
 */
export interface HostileSettings {
  /** Error answers (401, 403, 5xx) repeat the request's Authorization header in their body and in `X-Echo-Authorization`. */
  echoKey: boolean;
  /** Share of listing answers that are a gzip bomb: about 1 MiB sent, 1 GiB once inflated. */
  gzipBombRate: number;
  /** Share of listing answers whose body never ends (chunked, until the client hangs up). */
  endlessBodyRate: number;
  /** Share of listing answers that send their headers and half the body, then nothing, the connection kept open. */
  stallRate: number;
  /** Share of listing answers whose body trickles out in pieces SLOW_PIECE_MS apart, taking `slowBodyMs` in all. */
  slowBodyRate: number;
  slowBodyMs: number;
  /** Share of listing answers that are a proxy's HTML page served as 200 `text/html`. */
  wrongTypeRate: number;
  /** How 429s state `Retry-After`: delta-seconds as the contract says, or as some gateways do. */
  retryAfterStyle: RetryAfterStyle;
  /** Every listing answer closes its connection (`Connection: close`). */
  closeConnections: boolean;
  /** Listing answers are chunked, without `Content-Length`. */
  chunked: boolean;
  /** Every authorised listing request is answered with this status and a JSON error body; null for none. */
  forcedStatus: number | null;
}

/**
 * `seconds`: the wait in delta-seconds; `epoch-seconds`: the time to retry at as a Unix timestamp;
 * `year-seconds`: a year in delta-seconds; `year-date`: an HTTP date a year ahead.
 */
export const RETRY_AFTER_STYLES = ['seconds', 'epoch-seconds', 'year-seconds', 'year-date'] as const;
export type RetryAfterStyle = (typeof RETRY_AFTER_STYLES)[number];

export const NO_HOSTILITY: HostileSettings = {
  echoKey: false,
  gzipBombRate: 0,
  endlessBodyRate: 0,
  stallRate: 0,
  slowBodyRate: 0,
  slowBodyMs: 10_000,
  wrongTypeRate: 0,
  retryAfterStyle: 'seconds',
  closeConnections: false,
  chunked: false,
  forcedStatus: null,
};

/** The body faults, in the order they are drawn for a listing answer. */
export const BODY_FAULTS = ['gzipBomb', 'endlessBody', 'stall', 'slowBody', 'wrongType'] as const;
export type BodyFault = (typeof BODY_FAULTS)[number];

/** Picks the body fault of one listing answer; draws only for faults that are on, so other faults' sequences stay as they were. */
export function pickBodyFault(settings: HostileSettings, rng: () => number): BodyFault | null {
  for (const fault of BODY_FAULTS) {
    const rate = settings[`${fault}Rate`];
    if (rate > 0 && rng() < rate) return fault;
  }
  return null;
}

/** The pause between the pieces of a slow body: shorter than any sane per-read timeout, so only a whole-answer timeout notices. */
export const SLOW_PIECE_MS = 100;
const YEAR_SECONDS = 365 * 24 * 3600;

/** `Retry-After` for a wait of `seconds` from `now` (epoch ms), in `style`. */
export function retryAfterValue(style: RetryAfterStyle, seconds: number, now: number): string {
  switch (style) {
    case 'seconds':
      return String(seconds);
    case 'epoch-seconds':
      return String(Math.ceil(now / 1000) + seconds);
    case 'year-seconds':
      return String(YEAR_SECONDS);
    case 'year-date':
      return new Date(now + YEAR_SECONDS * 1000).toUTCString();
  }
}

/** An error body that repeats the presented Authorization header, as careless servers' do. */
export function echoedBody(body: string, type: string, what: string, authorization: string): string {
  const echo = `${what}: ${authorization}`;
  if (type === JSON_TYPE) return JSON.stringify({ ...(JSON.parse(body) as object), message: echo });
  return body.replace('</body>', `<p>${echo}</p></body>`);
}

const MiB = 1024 * 1024;
let bomb: Promise<Buffer> | undefined;

/**
 * A JSON opening and then 1 GiB of spaces, as gzip members (a gzip stream may hold several, read one
 * after another): 64 copies of one 16 MiB member, so building it costs one small compression.
 */
function gzipBomb(): Promise<Buffer> {
  bomb ??= Promise.all([gzip('{"data":[', { level: 9 }), gzip(Buffer.alloc(16 * MiB, ' '), { level: 9 })]).then(([head, member]) =>
    Buffer.concat([head, ...Array.from({ length: 64 }, () => member)]),
  );
  return bomb;
}

/**
 * Answers a listing request with `fault`. `page` is the answer it would have given (body and headers,
 * gzipped or not), `headers` the rate-limit headers alone; `sleep` waits unless the simulator closes.
 */
export async function answerWithBodyFault(
  fault: BodyFault,
  res: ServerResponse,
  page: { body: Buffer; headers: OutgoingHttpHeaders },
  headers: OutgoingHttpHeaders,
  slowBodyMs: number,
  sleep: (ms: number) => Promise<void>,
): Promise<void> {
  const { body } = page;
  switch (fault) {
    case 'gzipBomb': {
      const bytes = await gzipBomb();
      res.writeHead(200, { ...headers, 'Content-Type': JSON_TYPE, 'Content-Encoding': 'gzip', 'Content-Length': bytes.length });
      res.end(bytes);
      return;
    }
    case 'endlessBody': {
      const padding = Buffer.alloc(64 * 1024, ' ');
      const closed = once(res, 'close');
      res.writeHead(200, { ...headers, 'Content-Type': JSON_TYPE });
      res.write('{"data":[');
      while (!res.destroyed) {
        if (!res.write(padding)) await Promise.race([once(res, 'drain'), closed]);
      }
      return;
    }
    case 'stall':
      res.writeHead(200, { ...page.headers, 'Content-Type': JSON_TYPE, 'Content-Length': body.length });
      res.write(body.subarray(0, Math.floor(body.length / 2)));
      return;
    case 'slowBody': {
      const pieces = Math.max(1, Math.round(slowBodyMs / SLOW_PIECE_MS));
      const size = Math.ceil(body.length / pieces);
      res.writeHead(200, { ...page.headers, 'Content-Type': JSON_TYPE, 'Content-Length': body.length });
      for (let start = 0; start < body.length && !res.destroyed; start += size) {
        if (start > 0) await sleep(SLOW_PIECE_MS);
        res.write(body.subarray(start, start + size));
      }
      res.end();
      return;
    }
    case 'wrongType': {
      const page = Buffer.from('<html><body><h1>Service temporarily unavailable</h1><p>Please try again later.</p></body></html>');
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': page.length });
      res.end(page);
      return;
    }
  }
}
