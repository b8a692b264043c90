import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Tuning knobs. Defaults need no setting; the worker's environment may change them, and each run may
 * override them in its workflow input (validated by the `startRun` activity against the same schema).
 */
/** The makes a full run syncs first unless told otherwise. */
export const DEFAULT_PRIORITY_MAKES = ['Audi', 'Mercedes-Benz', 'Volkswagen', 'BMW'] as const;

export const tuningSchema = z.object({
  /** Records per upstream request; the API allows 1..1000 and larger pages mean fewer round trips. */
  pageSize: z.coerce.number().int().min(1).max(1000).default(1000),
  /** Page-range child workflows in flight at once. */
  concurrency: z.coerce.number().int().min(1).max(256).default(8),
  /** Upstream requests per second, shared by all workers; 0: no budget of its own (the upstream's advertised limit still paces requests). */
  requestsPerSecond: z.coerce.number().min(0).max(10_000).default(0),
  /** Rows per INSERT statement. */
  batchSize: z.coerce.number().int().min(1).max(10_000).default(1000),
  /** Pages each child workflow covers (the id space is cut so each range holds about this many). */
  pagesPerRange: z.coerce.number().int().min(1).max(10_000).default(10),
  /** Share of listed cars a single run may mark removed before the safety brake refuses. */
  maxRemovalShare: z.coerce.number().min(0).max(1).default(0.1),
  /** How long a page range waits out an unavailable upstream (backing off) before the run fails. */
  giveUpAfterSeconds: z.coerce.number().int().min(0).max(7 * 24 * 3600).default(3600),
  /** Makes a full run syncs before all others; empty for none. */
  priorityMakes: z
    .preprocess(
      (value) => (typeof value === 'string' ? (value.trim() === 'none' ? [] : value.split(',').map((make) => make.trim())) : value),
      z.array(z.string().min(1, 'a make may not be empty')).max(100),
    )
    .default([...DEFAULT_PRIORITY_MAKES]),
  /** Incremental runs re-read this much before the last completed sync's start, to absorb clock skew. */
  incrementalOverlapSeconds: z.coerce.number().int().min(0).max(7 * 24 * 3600).default(300),
});
export type Tuning = z.infer<typeof tuningSchema>;

const url = (name: string, protocols: string[]) =>
  z
    .string({ error: `${name} is required` })
    .min(1, `${name} is required`)
    .refine((value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    }, `${name} must be a ${protocols.join(' or ')} URL`);

const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('car-sync'),
  // A cluster that needs TLS, such as Temporal Cloud: an API key, or a client certificate and its key (mTLS).
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TLS_CERT: z.string().optional(),
  TEMPORAL_TLS_KEY: z.string().optional(),
  DATABASE_URL: url('DATABASE_URL', ['postgres:', 'postgresql:']),
  CARS_API_URL: url('CARS_API_URL', ['http:', 'https:']),
  CARS_API_KEY: z.string({ error: 'CARS_API_KEY is required' }).min(1, 'CARS_API_KEY is required'),
  CARSYNC_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  CARSYNC_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  CARSYNC_HTTP_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  CARSYNC_WORKER_NICE: z.coerce.number().int().min(0).max(19).default(10),
  CARSYNC_PAGE_SIZE: tuningSchema.shape.pageSize,
  CARSYNC_CONCURRENCY: tuningSchema.shape.concurrency,
  CARSYNC_REQUESTS_PER_SECOND: tuningSchema.shape.requestsPerSecond,
  CARSYNC_BATCH_SIZE: tuningSchema.shape.batchSize,
  CARSYNC_PAGES_PER_RANGE: tuningSchema.shape.pagesPerRange,
  CARSYNC_MAX_REMOVAL_SHARE: tuningSchema.shape.maxRemovalShare,
  CARSYNC_GIVE_UP_AFTER_SECONDS: tuningSchema.shape.giveUpAfterSeconds,
  CARSYNC_PRIORITY_MAKES: tuningSchema.shape.priorityMakes,
  CARSYNC_INCREMENTAL_OVERLAP_SECONDS: tuningSchema.shape.incrementalOverlapSeconds,
});

export interface TemporalConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  /** Absent for a plain-text connection (a self-hosted cluster inside its own network, the dev server). */
  auth?: { apiKey: string } | { certFile: string; keyFile: string };
}

export interface WorkerConfig {
  temporal: TemporalConfig;
  databaseUrl: string;
  api: { url: string; key: string; timeoutMs: number };
  tuning: Tuning;
  logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Port of the Prometheus endpoint (`/metrics`); 0 for none. */
  metricsPort: number;
  /** The worker's CPU priority (Unix nice, 0 to 19): a background sync yields to services on the same host. */
  nice: number;
}

export class ConfigurationError extends Error {
  readonly name = 'ConfigurationError';
}

function parseEnv<T extends z.ZodRawShape>(shape: T, env: NodeJS.ProcessEnv): z.infer<z.ZodObject<T>> {
  // Empty strings count as unset, as most shells and compose files produce them for "no value".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = z.object(shape).safeParse(present);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '');
      const message = issue.message.startsWith(name) ? issue.message : `${name}: ${issue.message}`;
      return `  ${message}`;
    });
    throw new ConfigurationError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** The worker's configuration: everything it needs, parsed once at start-up. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const e = parseEnv(envSchema.shape, env);
  return {
    temporal: temporalConfig(e),
    databaseUrl: e.DATABASE_URL,
    api: { url: e.CARS_API_URL.replace(/\/+$/, ''), key: e.CARS_API_KEY, timeoutMs: e.CARSYNC_HTTP_TIMEOUT_MS },
    tuning: {
      pageSize: e.CARSYNC_PAGE_SIZE,
      concurrency: e.CARSYNC_CONCURRENCY,
      requestsPerSecond: e.CARSYNC_REQUESTS_PER_SECOND,
      batchSize: e.CARSYNC_BATCH_SIZE,
      pagesPerRange: e.CARSYNC_PAGES_PER_RANGE,
      maxRemovalShare: e.CARSYNC_MAX_REMOVAL_SHARE,
      giveUpAfterSeconds: e.CARSYNC_GIVE_UP_AFTER_SECONDS,
      priorityMakes: e.CARSYNC_PRIORITY_MAKES,
      incrementalOverlapSeconds: e.CARSYNC_INCREMENTAL_OVERLAP_SECONDS,
    },
    logLevel: e.CARSYNC_LOG_LEVEL,
    metricsPort: e.CARSYNC_METRICS_PORT,
    nice: e.CARSYNC_WORKER_NICE,
  };
}

/** The client's configuration: Temporal coordinates and credentials only; it never needs CARS_API_KEY or the database. */
export function loadTemporalConfig(env: NodeJS.ProcessEnv = process.env): TemporalConfig {
  const { TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, TEMPORAL_API_KEY, TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY } = envSchema.shape;
  return temporalConfig(parseEnv({ TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, TEMPORAL_API_KEY, TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY }, env));
}

type TemporalEnv = Pick<z.infer<typeof envSchema>, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TASK_QUEUE' | 'TEMPORAL_API_KEY' | 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY'>;

function temporalConfig(e: TemporalEnv): TemporalConfig {
  const config: TemporalConfig = { address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE, taskQueue: e.TEMPORAL_TASK_QUEUE };
  const mtls = e.TEMPORAL_TLS_CERT !== undefined || e.TEMPORAL_TLS_KEY !== undefined;
  if (e.TEMPORAL_API_KEY !== undefined && mtls) {
    throw new ConfigurationError('invalid configuration:\n  set TEMPORAL_API_KEY or TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY, not both');
  }
  if (e.TEMPORAL_API_KEY !== undefined) return { ...config, auth: { apiKey: e.TEMPORAL_API_KEY } };
  if (!mtls) return config;
  if (e.TEMPORAL_TLS_CERT === undefined || e.TEMPORAL_TLS_KEY === undefined) {
    const missing = e.TEMPORAL_TLS_CERT === undefined ? 'TEMPORAL_TLS_CERT' : 'TEMPORAL_TLS_KEY';
    throw new ConfigurationError(`invalid configuration:\n  ${missing} is required with ${missing === 'TEMPORAL_TLS_CERT' ? 'TEMPORAL_TLS_KEY' : 'TEMPORAL_TLS_CERT'} (a client certificate and its key, PEM files)`);
  }
  return { ...config, auth: { certFile: e.TEMPORAL_TLS_CERT, keyFile: e.TEMPORAL_TLS_KEY } };
}

/** What `Connection.connect` and `NativeConnection.connect` take: TLS whenever the cluster asks for credentials. */
export function temporalConnectionOptions({ address, auth }: TemporalConfig): { address: string; tls?: true | { clientCertPair: { crt: Buffer; key: Buffer } }; apiKey?: string } {
  if (!auth) return { address };
  if ('apiKey' in auth) return { address, tls: true, apiKey: auth.apiKey };
  try {
    return { address, tls: { clientCertPair: { crt: readFileSync(auth.certFile), key: readFileSync(auth.keyFile) } } };
  } catch (err) {
    throw new ConfigurationError(`cannot read the client certificate or key (TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY): ${(err as Error).message}`);
  }
}

/** For `npm run db:migrate`, which needs the database only. */
export function loadDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return parseEnv({ DATABASE_URL: envSchema.shape.DATABASE_URL }, env).DATABASE_URL;
}
