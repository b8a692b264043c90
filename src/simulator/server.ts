import http from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { handleAdmin } from './admin';
import { Dataset } from './dataset';
import type { CarsQuery } from './dataset';
import { answerWithBodyFault, echoedBody, NO_HOSTILITY, pickBodyFault, RETRY_AFTER_STYLES, retryAfterValue } from './hostile';
import type { BodyFault, HostileSettings } from './hostile';
import { JSON_TYPE, acceptsGzip, bearerToken, send, sendJson } from './http-util';
import { NO_PAGING_FAULTS, PAGING_FAULT_RATES, servePage } from './paging';
import type { PagingFaults } from './paging';
import { parseCarsQuery } from './query';
import { FixedWindowRateLimiter } from './rate-limit';
import type { RateDecision } from './rate-limit';
import { mulberry32 } from './rng';
import type { Rng } from './rng';

const gzip = promisify(zlib.gzip);

export const DEFAULT_SEED = 42;
export const DEFAULT_SIZE = 200_000;
export const DEFAULT_API_KEY = 'sim-key';
/** Fastest gzip level: the simulator shares its CPU with the system under test. */
const GZIP_LEVEL = 1;

export interface FaultSettings extends HostileSettings, PagingFaults {
  /** Share of listing requests answered 500, 502, 503 or 504. */
  serverErrorRate: number;
  /** Share of listing requests whose connection is reset without an answer. */
  resetRate: number;
  /** Share of listing requests answered with headers and part of the body, then cut off. */
  truncateRate: number;
  /** Epoch ms: every listing request is answered 503 until then. */
  outageUntil: number | null;
  /** Epoch ms: every listing request is answered 429 with `Retry-After: 1` until then. */
  rateLimitStormUntil: number | null;
  seed: number;
}

export type FaultOptions = Partial<FaultSettings>;

export interface SimulatorSettings {
  faults: FaultSettings;
  /** Requests per second per key; null means unlimited. */
  rateLimit: number | null;
  latencyMs: number;
  latencyJitterMs: number;
}

export interface SimulatorOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Serve this data set; otherwise one is generated from `seed`, `size`, `invalidShare` and `oddShare`. */
  dataset?: Dataset;
  seed?: number;
  size?: number;
  invalidShare?: number;
  /** Share of records served odd (NUL, lone surrogates, long text, ...: see ODD_KINDS); none by default. */
  oddShare?: number;
  apiKey?: string;
  /** Keys that are recognised but may not read the listing (403). */
  forbiddenKeys?: readonly string[];
  latencyMs?: number;
  latencyJitterMs?: number;
  rateLimit?: number | null;
  faults?: FaultOptions;
  /** Time source for rate-limit windows, outages and request times (epoch ms). */
  clock?: () => number;
}

/** Called for each authorised, well-formed listing request before it is answered. */
export type RequestHook = (query: CarsQuery, request: IncomingMessage) => void | Promise<void>;

export class SimulatorStats {
  /** Listing requests received, whatever became of them. */
  requests = 0;
  /** Listing answers by status; truncated answers count only under `truncated`. */
  byStatus: Record<number, number> = {};
  rateLimited = 0;
  resets = 0;
  truncated = 0;
  /** Listing answers given a body fault (see hostile.ts), by fault; they count nowhere else. */
  bodyFaults: Partial<Record<BodyFault, number>> = {};
  /** Arrival time (epoch ms) of each listing request. */
  requestTimes: number[] = [];

  /** The most listing requests that arrived within any `ms`-long span. */
  maxRequestsInAnyWindow(ms = 1000): number {
    let max = 0;
    let start = 0;
    for (let end = 0; end < this.requestTimes.length; end++) {
      while (this.requestTimes[end] - this.requestTimes[start] >= ms) start++;
      max = Math.max(max, end - start + 1);
    }
    return max;
  }

  /** The `n` longest pauses between consecutive listing requests, in ms, longest first. */
  longestGaps(n: number): number[] {
    const gaps = this.requestTimes.slice(1).map((t, i) => t - this.requestTimes[i]);
    return gaps.sort((a, b) => b - a).slice(0, n);
  }

  reset(): void {
    this.requests = 0;
    this.byStatus = {};
    this.rateLimited = 0;
    this.resets = 0;
    this.truncated = 0;
    this.bodyFaults = {};
    this.requestTimes = [];
  }
}

export interface Simulator {
  /** Base URL, without a trailing slash. */
  readonly url: string;
  readonly dataset: Dataset;
  readonly stats: SimulatorStats;
  resetStats(): void;
  /** Adds a hook; returns a function that removes it. */
  onRequest(hook: RequestHook): () => void;
  setFaults(faults: FaultOptions): void;
  setRateLimit(perSecond: number | null): void;
  setLatency(ms: number, jitterMs?: number): void;
  settings(): SimulatorSettings;
  close(): Promise<void>;
}

function checkRate(name: string, value: number): void {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be in 0..1, got ${value}`);
}

function checkMs(name: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`${name} must be a non-negative number, got ${value}`);
}

function rateHeaders(decision: RateDecision): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {
    'X-RateLimit-Limit': decision.limit,
    'X-RateLimit-Remaining': decision.remaining,
    'X-RateLimit-Reset': decision.resetSeconds,
  };
  if (decision.retryAfterSeconds !== undefined) headers['Retry-After'] = decision.retryAfterSeconds;
  return headers;
}

const SERVER_ERRORS: readonly { status: number; type: string; body: string }[] = [
  { status: 500, type: JSON_TYPE, body: '{"error":"internal_error"}' },
  // Gateways answer in HTML, not JSON: a client must not rely on error bodies parsing.
  { status: 502, type: 'text/html', body: '<html><body><h1>502 Bad Gateway</h1></body></html>' },
  { status: 503, type: JSON_TYPE, body: '{"error":"service_unavailable"}' },
  { status: 504, type: 'text/html', body: '<html><body><h1>504 Gateway Time-out</h1></body></html>' },
];

class SimulatorServer implements Simulator {
  readonly stats = new SimulatorStats();
  url = '';
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly hooks = new Set<RequestHook>();
  private readonly sleepers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  private readonly limiter: FixedWindowRateLimiter;
  private readonly apiKey: string;
  private readonly forbiddenKeys: ReadonlySet<string>;
  private readonly clock: () => number;
  private readonly latencyRng: Rng;
  private faults: FaultSettings;
  private faultRng: Rng;
  private latencyMs = 0;
  private latencyJitterMs = 0;
  private closed = false;

  constructor(
    readonly dataset: Dataset,
    options: SimulatorOptions,
  ) {
    this.apiKey = options.apiKey ?? DEFAULT_API_KEY;
    this.forbiddenKeys = new Set(options.forbiddenKeys ?? []);
    this.clock = options.clock ?? Date.now;
    this.limiter = new FixedWindowRateLimiter(null);
    this.setRateLimit(options.rateLimit ?? null);
    this.setLatency(options.latencyMs ?? 0, options.latencyJitterMs ?? 0);
    const seed = options.faults?.seed ?? dataset.seed;
    this.faults = {
      serverErrorRate: 0,
      resetRate: 0,
      truncateRate: 0,
      outageUntil: null,
      rateLimitStormUntil: null,
      ...NO_HOSTILITY,
      ...NO_PAGING_FAULTS,
      seed,
    };
    this.faultRng = mulberry32(seed);
    this.latencyRng = mulberry32(seed ^ 0x2545f491);
    this.setFaults(options.faults ?? {});
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => this.fail(res, error));
    });
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.url = `http://${shownHost}:${address.port}`;
  }

  resetStats(): void {
    this.stats.reset();
  }

  onRequest(hook: RequestHook): () => void {
    this.hooks.add(hook);
    return () => this.hooks.delete(hook);
  }

  setFaults(faults: FaultOptions): void {
    const next = { ...this.faults, ...Object.fromEntries(Object.entries(faults).filter(([, v]) => v !== undefined)) };
    checkRate('serverErrorRate', next.serverErrorRate);
    checkRate('resetRate', next.resetRate);
    checkRate('truncateRate', next.truncateRate);
    for (const name of ['gzipBombRate', 'endlessBodyRate', 'stallRate', 'slowBodyRate', 'wrongTypeRate'] as const) checkRate(name, next[name]);
    checkMs('slowBodyMs', next.slowBodyMs);
    if (next.forcedStatus !== null && !(Number.isInteger(next.forcedStatus) && next.forcedStatus >= 200 && next.forcedStatus <= 599)) {
      throw new RangeError(`forcedStatus must be an HTTP status from 200 to 599 or null, got ${next.forcedStatus}`);
    }
    if (!RETRY_AFTER_STYLES.includes(next.retryAfterStyle))
      throw new RangeError(`retryAfterStyle must be one of ${RETRY_AFTER_STYLES.join(', ')}, got ${next.retryAfterStyle}`);
    for (const name of PAGING_FAULT_RATES) checkRate(name, next[name]);
    if (next.pageCap !== null && !(Number.isSafeInteger(next.pageCap) && next.pageCap > 0))
      throw new RangeError(`pageCap must be a positive integer or null, got ${next.pageCap}`);
    if (faults.seed !== undefined) this.faultRng = mulberry32(faults.seed);
    this.faults = next;
  }

  setRateLimit(perSecond: number | null): void {
    this.limiter.setLimit(perSecond);
  }

  setLatency(ms: number, jitterMs = this.latencyJitterMs): void {
    checkMs('latencyMs', ms);
    checkMs('latencyJitterMs', jitterMs);
    this.latencyMs = ms;
    this.latencyJitterMs = jitterMs;
  }

  settings(): SimulatorSettings {
    return {
      faults: { ...this.faults },
      rateLimit: this.limiter.limit,
      latencyMs: this.latencyMs,
      latencyJitterMs: this.latencyJitterMs,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const sleeper of this.sleepers) {
      clearTimeout(sleeper.timer);
      sleeper.wake();
    }
    this.sleepers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const path = q === -1 ? target : target.slice(0, q);
    const search = q === -1 ? '' : target.slice(q + 1);
    if (path === '/v1/cars') return this.serveCars(req, res, search);
    if (path === '/_admin' || path.startsWith('/_admin/')) return handleAdmin(this, req, res, path, search, this.clock());
    sendJson(res, 404, { error: 'not_found', message: `no route for ${req.method} ${path}` });
  }

  private async serveCars(req: IncomingMessage, res: ServerResponse, search: string): Promise<void> {
    this.stats.requests++;
    this.stats.requestTimes.push(this.clock());
    await this.delay();
    if (this.closed) return;
    const now = this.clock();
    const token = bearerToken(req.headers.authorization);
    const limiterKey = token ?? '';
    const { faults } = this;
    if (faults.outageUntil !== null && now < faults.outageUntil) {
      return this.answer(res, 503, '{"error":"service_unavailable"}', rateHeaders(this.limiter.peek(limiterKey, now)));
    }
    if (faults.rateLimitStormUntil !== null && now < faults.rateLimitStormUntil) {
      this.stats.rateLimited++;
      const decision = { ...this.limiter.peek(limiterKey, now), remaining: 0, retryAfterSeconds: 1 };
      return this.answer(res, 429, '{"error":"rate_limited"}', rateHeaders(decision));
    }
    if (req.method !== 'GET') {
      const headers = { ...rateHeaders(this.limiter.peek(limiterKey, now)), Allow: 'GET' };
      return this.answer(res, 405, '{"error":"method_not_allowed"}', headers);
    }
    const decision = this.limiter.take(limiterKey, now);
    const headers = rateHeaders(decision);
    if (!decision.allowed) {
      this.stats.rateLimited++;
      return this.answer(res, 429, '{"error":"rate_limited"}', headers);
    }
    const authorization = req.headers.authorization ?? '';
    const echo = (body: string, what: string, type = JSON_TYPE) => (faults.echoKey ? echoedBody(body, type, what, authorization) : body);
    const echoHeaders = faults.echoKey ? { ...headers, 'X-Echo-Authorization': authorization } : headers;
    if (token !== null && this.forbiddenKeys.has(token)) {
      return this.answer(res, 403, echo('{"error":"forbidden"}', 'key may not read listings'), echoHeaders);
    }
    if (token !== this.apiKey) return this.answer(res, 401, echo('{"error":"unauthorized"}', 'key not recognised'), echoHeaders);
    const query = parseCarsQuery(new URLSearchParams(search));
    if ('parameter' in query) {
      const body = JSON.stringify({ error: 'invalid_parameter', parameter: query.parameter, message: query.message });
      return this.answer(res, 400, body, headers);
    }
    if (faults.forcedStatus !== null) {
      return this.answer(
        res,
        faults.forcedStatus,
        echo(`{"error":"status_${faults.forcedStatus}"}`, 'failed serving the request with Authorization'),
        echoHeaders,
      );
    }
    if (this.faultRng() < faults.serverErrorRate) {
      const fault = SERVER_ERRORS[Math.floor(this.faultRng() * SERVER_ERRORS.length)];
      return this.answer(res, fault.status, echo(fault.body, 'failed serving the request with Authorization', fault.type), {
        ...echoHeaders,
        'Content-Type': fault.type,
      });
    }
    if (this.faultRng() < faults.resetRate) {
      this.stats.resets++;
      req.socket.resetAndDestroy();
      return;
    }
    const truncate = this.faultRng() < faults.truncateRate;
    const bodyFault = pickBodyFault(faults, this.faultRng);
    for (const hook of this.hooks) await hook(query, req);
    if (this.closed) return;
    const page = servePage(this.dataset, query, faults, this.faultRng);
    const meta = {
      page: query.afterId === null ? query.page : 1,
      per_page: page.perPage,
      total: page.total,
      last_page: Math.max(1, Math.ceil(page.total / page.perPage)),
      next_after_id: page.nextAfterId,
    };
    const json = `{"data":[${page.items.join(',')}],"meta":${JSON.stringify(meta)}}`;
    const gzipped = acceptsGzip(req.headers['accept-encoding']);
    const body = gzipped ? await gzip(json, { level: GZIP_LEVEL }) : Buffer.from(json);
    if (this.closed) return;
    const bodyHeaders = { ...headers, Vary: 'Accept-Encoding', ...(gzipped ? { 'Content-Encoding': 'gzip' } : {}) };
    if (truncate) return this.truncated(req, res, body, bodyHeaders);
    if (bodyFault !== null) {
      this.stats.bodyFaults[bodyFault] = (this.stats.bodyFaults[bodyFault] ?? 0) + 1;
      return answerWithBodyFault(bodyFault, res, { body, headers: bodyHeaders }, headers, faults.slowBodyMs, (ms) => this.sleep(ms));
    }
    this.answer(res, 200, body, bodyHeaders);
  }

  private answer(res: ServerResponse, status: number, body: string | Buffer, headers: OutgoingHttpHeaders): void {
    this.stats.byStatus[status] = (this.stats.byStatus[status] ?? 0) + 1;
    const { retryAfterStyle, closeConnections, chunked } = this.faults;
    const retryAfter = headers['Retry-After'];
    const sent = {
      ...headers,
      ...(retryAfter === undefined ? {} : { 'Retry-After': retryAfterValue(retryAfterStyle, Number(retryAfter), this.clock()) }),
      ...(closeConnections ? { Connection: 'close' } : {}),
    };
    if (!chunked) return send(res, status, body, sent);
    // Without Content-Length, Node sends the answer chunked; two chunks, so a client must join them.
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    res.writeHead(status, { 'Content-Type': JSON_TYPE, ...sent });
    res.write(bytes.subarray(0, bytes.length >> 1));
    res.end(bytes.subarray(bytes.length >> 1));
  }

  /** Sends the headers (promising the whole body) and half the body, then drops the connection. */
  private truncated(req: IncomingMessage, res: ServerResponse, body: Buffer, headers: OutgoingHttpHeaders): void {
    this.stats.truncated++;
    res.writeHead(200, { 'Content-Type': JSON_TYPE, 'Content-Length': body.length, ...headers });
    res.write(body.subarray(0, Math.floor(body.length / 2)), () => req.socket.destroy());
  }

  private delay(): Promise<void> {
    return this.sleep(this.latencyMs + this.latencyRng() * this.latencyJitterMs);
  }

  /** Waits `ms`, or less if the simulator closes meanwhile. */
  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const sleeper = {
        timer: setTimeout(() => {
          this.sleepers.delete(sleeper);
          resolve();
        }, ms),
        wake: resolve,
      };
      this.sleepers.add(sleeper);
    });
  }

  private fail(res: ServerResponse, error: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    sendJson(res, 500, { error: 'internal_error', message });
  }
}

/** Starts the car listings API simulator (shared/upstream-api.md) and resolves once it listens. */
export async function createSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const dataset =
    options.dataset ??
    new Dataset({
      seed: options.seed ?? DEFAULT_SEED,
      size: options.size ?? DEFAULT_SIZE,
      invalidShare: options.invalidShare,
      oddShare: options.oddShare,
      clock: options.clock,
    });
  const simulator = new SimulatorServer(dataset, options);
  await simulator.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return simulator;
}
