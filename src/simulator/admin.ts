import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { RETRY_AFTER_STYLES } from './hostile';
import { BodyError, JSON_TYPE, acceptsGzip, readJsonBody, send, sendJson } from './http-util';
import type { Simulator } from './server';

const gzip = promisify(zlib.gzip);

/**
 * Field types only: the simulator serves invalid records on purpose, so a test may list one with
 * an unknown fuel or a bad date.
 */
const carPatchSchema = z
  .object({
    make: z.string(),
    model: z.string(),
    trim: z.string().nullable(),
    year: z.number().int(),
    price: z.number().int(),
    currency: z.string(),
    mileage_km: z.number().int(),
    fuel: z.string(),
    transmission: z.string(),
    color: z.string().nullable(),
    body_type: z.string().nullable(),
    vin: z.string().nullable(),
    location: z.string().nullable(),
    lot_number: z.string().nullable(),
    images: z.array(z.string()),
    status: z.string(),
    listed_at: z.string(),
    updated_at: z.string(),
  })
  .partial()
  .strict();

const rate = z.number().min(0).max(1);
const epochMs = z.number().int().nonnegative().nullable();
const durationMs = z.number().int().nonnegative();

const settingsSchema = z
  .object({
    serverErrorRate: rate,
    resetRate: rate,
    truncateRate: rate,
    outageUntil: epochMs,
    rateLimitStormUntil: epochMs,
    pageCap: z.number().int().positive().nullable(),
    shortPageRate: rate,
    jumpRate: rate,
    outOfRangeRate: rate,
    oversizeRate: rate,
    /** Relative forms of the two above, for callers whose clock is not the simulator's. */
    outageForMs: durationMs,
    rateLimitStormForMs: durationMs,
    echoKey: z.boolean(),
    gzipBombRate: rate,
    endlessBodyRate: rate,
    stallRate: rate,
    slowBodyRate: rate,
    slowBodyMs: durationMs,
    wrongTypeRate: rate,
    retryAfterStyle: z.enum(RETRY_AFTER_STYLES),
    closeConnections: z.boolean(),
    chunked: z.boolean(),
    forcedStatus: z.number().int().min(200).max(599).nullable(),
    seed: z.number().int(),
    rateLimit: z.number().int().positive().nullable(),
    latencyMs: z.number().nonnegative(),
    latencyJitterMs: z.number().nonnegative(),
  })
  .partial()
  .strict();

/** Bulk drift for benchmarks and demos: change a share of the listing, delist some, list new ones. */
const mutateSchema = z.object({ changeShare: rate, delist: z.number().int().nonnegative(), list: z.number().int().nonnegative() }).partial().strict();

const ID_PATH = /^\/_admin\/cars\/([^/]+)$/;

function badRequest(res: ServerResponse, message: string): void {
  sendJson(res, 400, { error: 'invalid_body', message });
}

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`).join('; ');
}

async function parseBody<T>(req: IncomingMessage, res: ServerResponse, schema: z.ZodType<T>): Promise<T | undefined> {
  let body: unknown;
  try {
    body = await readJsonBody(req);
  } catch (error) {
    if (error instanceof BodyError) {
      badRequest(res, error.message);
      return undefined;
    }
    throw error;
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    badRequest(res, describe(parsed.error));
    return undefined;
  }
  return parsed.data;
}

function statsJson(sim: Simulator, windowMs: number) {
  const { requests, byStatus, rateLimited, resets, truncated, bodyFaults } = sim.stats;
  return {
    requests,
    byStatus,
    rateLimited,
    resets,
    truncated,
    bodyFaults,
    windowMs,
    maxRequestsInAnyWindow: sim.stats.maxRequestsInAnyWindow(windowMs),
    firstRequestAt: sim.stats.requestTimes[0] ?? null,
    lastRequestAt: sim.stats.requestTimes.at(-1) ?? null,
    longestGapsMs: sim.stats.longestGaps(5),
    listed: sim.dataset.size,
    maxId: sim.dataset.maxId,
  };
}

/**
 * The test and demo control API under `/_admin` (no auth): stats, faults and rate limit, and the
 * data set's mutations.
 */
export async function handleAdmin(sim: Simulator, req: IncomingMessage, res: ServerResponse, path: string, search: string, now: number): Promise<void> {
  const method = req.method ?? 'GET';
  const route = `${method} ${path.replace(ID_PATH, '/_admin/cars/:id')}`;
  const idText = ID_PATH.exec(path)?.[1];
  const id = Number(idText);
  if (idText !== undefined && !(/^\d+$/.test(idText) && Number.isSafeInteger(id))) {
    return badRequest(res, `car id must be a positive integer, got ${JSON.stringify(idText)}`);
  }
  switch (route) {
    case 'GET /_admin/stats': {
      const windowText = new URLSearchParams(search).get('window_ms') ?? '1000';
      const windowMs = /^\d+$/.test(windowText) ? Number(windowText) : NaN;
      if (!(windowMs > 0)) return badRequest(res, 'window_ms must be a positive integer');
      return sendJson(res, 200, statsJson(sim, windowMs));
    }
    case 'DELETE /_admin/stats':
      sim.resetStats();
      return sendJson(res, 204, null);
    case 'GET /_admin/faults':
      return sendJson(res, 200, sim.settings());
    case 'POST /_admin/faults': {
      const body = await parseBody(req, res, settingsSchema);
      if (body === undefined) return;
      const { rateLimit, latencyMs, latencyJitterMs, outageForMs, rateLimitStormForMs, ...faults } = body;
      if (outageForMs !== undefined) faults.outageUntil = now + outageForMs;
      if (rateLimitStormForMs !== undefined) faults.rateLimitStormUntil = now + rateLimitStormForMs;
      sim.setFaults(faults);
      if (rateLimit !== undefined) sim.setRateLimit(rateLimit);
      if (latencyMs !== undefined || latencyJitterMs !== undefined) {
        sim.setLatency(latencyMs ?? sim.settings().latencyMs, latencyJitterMs);
      }
      return sendJson(res, 200, sim.settings());
    }
    case 'GET /_admin/cars': {
      const json = sim.dataset.toJsonArray();
      if (!acceptsGzip(req.headers['accept-encoding'])) return send(res, 200, json);
      return send(res, 200, await gzip(json, { level: 1 }), { 'Content-Type': JSON_TYPE, 'Content-Encoding': 'gzip' });
    }
    case 'POST /_admin/cars': {
      const body = await parseBody(req, res, carPatchSchema);
      if (body === undefined) return;
      return sendJson(res, 201, sim.dataset.list(body));
    }
    case 'POST /_admin/mutate': {
      const body = await parseBody(req, res, mutateSchema);
      if (body === undefined) return;
      const changed = body.changeShare ? sim.dataset.changeRandom(body.changeShare).length : 0;
      const delisted = body.delist ? sim.dataset.delistRandom(body.delist).length : 0;
      for (let i = 0; i < (body.list ?? 0); i++) sim.dataset.list();
      return sendJson(res, 200, { changed, delisted, listed: body.list ?? 0 });
    }
    case 'GET /_admin/cars/:id': {
      const car = sim.dataset.get(id);
      return car === undefined ? notListed(res, id) : sendJson(res, 200, car);
    }
    case 'PATCH /_admin/cars/:id': {
      const body = await parseBody(req, res, carPatchSchema);
      if (body === undefined) return;
      if (sim.dataset.get(id) === undefined) return notListed(res, id);
      return sendJson(res, 200, sim.dataset.change(id, Object.keys(body).length === 0 ? undefined : body));
    }
    case 'DELETE /_admin/cars/:id':
      return sim.dataset.delist(id) ? sendJson(res, 204, null) : notListed(res, id);
    default:
      return sendJson(res, 404, { error: 'not_found', message: `no admin route for ${method} ${path}` });
  }
}

function notListed(res: ServerResponse, id: number): void {
  sendJson(res, 404, { error: 'not_found', message: `no listed car with id ${id}` });
}
