import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { tuningProblem, type NumericTuningField, type Tuning } from './tuning';

/**
 * The default largest upstream answer, once decompressed: some 60 times a full page of 1000 cars,
 * and small enough that a worker whose every lane receives one at once still stands.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** How long consumers may take to read `car_changes`, and operators to look into `car_rejects`. */
export const DEFAULT_RETENTION_DAYS = { changes: 30, rejects: 30 } as const;

/** The makes a full run syncs first unless told otherwise. */
export const DEFAULT_PRIORITY_MAKES = ['Audi', 'Mercedes-Benz', 'Volkswagen', 'BMW'] as const;

/** A tuning number as JSON gives it: `true`, `"5"`, `[1]` or `null` is refused, naming the field (src/tuning.ts has the bounds). */
const tuningNumber = (field: NumericTuningField) =>
  z.number({ error: (issue) => tuningProblem(field, issue.input) ?? undefined }).refine((value) => tuningProblem(field, value) === null, {
    error: (issue) => tuningProblem(field, issue.input) ?? undefined,
  });

/**
 * Tuning knobs, taken literally: a run's JSON input and the `setTuning` update give these types. The
 * worker's environment gives text, parsed by `envTuning` below into the same fields.
 */
const tuningFields = {
  pageSize: tuningNumber('pageSize'),
  concurrency: tuningNumber('concurrency'),
  requestsPerSecond: tuningNumber('requestsPerSecond'),
  batchSize: tuningNumber('batchSize'),
  pagesPerRange: tuningNumber('pagesPerRange'),
  maxRemovalShare: tuningNumber('maxRemovalShare'),
  giveUpAfterSeconds: tuningNumber('giveUpAfterSeconds'),
  priorityMakes: z.array(z.string().min(1, 'a make may not be empty')).max(100),
  incrementalOverlapSeconds: tuningNumber('incrementalOverlapSeconds'),
  maxPauseSeconds: tuningNumber('maxPauseSeconds'),
} satisfies { [K in keyof Tuning]: z.ZodType<Tuning[K]> };

const TUNING_DEFAULTS: Tuning = {
  pageSize: 1000,
  concurrency: 8,
  requestsPerSecond: 0,
  batchSize: 1000,
  pagesPerRange: 10,
  maxRemovalShare: 0.1,
  giveUpAfterSeconds: 3600,
  priorityMakes: [...DEFAULT_PRIORITY_MAKES],
  incrementalOverlapSeconds: 300,
  maxPauseSeconds: 1800,
};

/**
 * `SyncCarsWorkflow`'s input: one JSON object, every field optional (an absent field keeps the
 * worker's value). `null`, an array or any other non-object is refused, as is an unknown field.
 */
export const runInputSchema = z.strictObject(
  {
    mode: z.enum(['full', 'incremental']).optional(),
    ...(Object.fromEntries(Object.entries(tuningFields).map(([key, field]) => [key, field.optional()])) as {
      [K in keyof typeof tuningFields]: z.ZodOptional<(typeof tuningFields)[K]>;
    }),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'SyncCarsWorkflow takes one JSON object (or no input at all)' : undefined) },
);

export type RunInput = z.infer<typeof runInputSchema>;

/** A run's input checked: the parsed object, or one line naming each bad field. */
export function parseRunInput(input: unknown): { input: RunInput } | { problems: string } {
  const result = runInputSchema.safeParse(input);
  if (result.success) return { input: result.data };
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.join('.');
    return !path || issue.message.startsWith(path) ? issue.message : `${path}: ${issue.message}`;
  });
  return { problems: problems.join('; ') };
}

/** An environment variable's text as a tuning number (a shell has no other type), checked against the same bounds. */
const envNumber = (field: NumericTuningField) =>
  z
    .string()
    .transform((text) => Number(text.trim()))
    .pipe(tuningFields[field])
    .default(TUNING_DEFAULTS[field]);

/** A comma list of makes, or `none`. */
const envMakes = z
  .string()
  .transform((text) => (text.trim() === 'none' ? [] : text.split(',').map((make) => make.trim())))
  .pipe(tuningFields.priorityMakes)
  .default(TUNING_DEFAULTS.priorityMakes);

const url = (name: string, protocols: string[]) =>
  z
    .string({ error: `${name} is required` })
    .min(1, `${name} is required`)
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      `${name} must be a ${protocols.join(' or ')} URL`,
    );

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
  /** The largest upstream answer taken, once decompressed; a larger one fails its request and is retried. */
  CARSYNC_MAX_RESPONSE_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .max(1024 ** 3)
    .default(DEFAULT_MAX_RESPONSE_BYTES),
  CARSYNC_WORKER_NICE: z.coerce.number().int().min(0).max(19).default(10),
  /** Days `car_changes` and `car_rejects` rows are kept (each run's close deletes older ones); 0 keeps them forever. */
  CARSYNC_CHANGES_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(DEFAULT_RETENTION_DAYS.changes),
  CARSYNC_REJECTS_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(DEFAULT_RETENTION_DAYS.rejects),
  CARSYNC_PAGE_SIZE: envNumber('pageSize'),
  CARSYNC_CONCURRENCY: envNumber('concurrency'),
  CARSYNC_REQUESTS_PER_SECOND: envNumber('requestsPerSecond'),
  CARSYNC_BATCH_SIZE: envNumber('batchSize'),
  CARSYNC_PAGES_PER_RANGE: envNumber('pagesPerRange'),
  CARSYNC_MAX_REMOVAL_SHARE: envNumber('maxRemovalShare'),
  CARSYNC_GIVE_UP_AFTER_SECONDS: envNumber('giveUpAfterSeconds'),
  CARSYNC_PRIORITY_MAKES: envMakes,
  CARSYNC_INCREMENTAL_OVERLAP_SECONDS: envNumber('incrementalOverlapSeconds'),
  CARSYNC_MAX_PAUSE_SECONDS: envNumber('maxPauseSeconds'),
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
  api: { url: string; key: string; timeoutMs: number; maxResponseBytes: number };
  tuning: Tuning;
  logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Port of the Prometheus endpoint (`/metrics`); 0 for none. */
  metricsPort: number;
  /** The worker's CPU priority (Unix nice, 0 to 19): a background sync yields to services on the same host. */
  nice: number;
  retention: Retention;
}

/** Days rows of `car_changes` and `car_rejects` are kept; 0 keeps them forever. */
export interface Retention {
  changesDays: number;
  rejectsDays: number;
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
    api: { url: e.CARS_API_URL.replace(/\/+$/, ''), key: e.CARS_API_KEY, timeoutMs: e.CARSYNC_HTTP_TIMEOUT_MS, maxResponseBytes: e.CARSYNC_MAX_RESPONSE_BYTES },
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
      maxPauseSeconds: e.CARSYNC_MAX_PAUSE_SECONDS,
    },
    logLevel: e.CARSYNC_LOG_LEVEL,
    metricsPort: e.CARSYNC_METRICS_PORT,
    nice: e.CARSYNC_WORKER_NICE,
    retention: { changesDays: e.CARSYNC_CHANGES_RETENTION_DAYS, rejectsDays: e.CARSYNC_REJECTS_RETENTION_DAYS },
  };
}

/** The client's configuration: Temporal coordinates and credentials only; it never needs CARS_API_KEY or the database. */
export function loadTemporalConfig(env: NodeJS.ProcessEnv = process.env): TemporalConfig {
  const { TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, TEMPORAL_API_KEY, TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY } = envSchema.shape;
  return temporalConfig(parseEnv({ TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, TEMPORAL_API_KEY, TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY }, env));
}

type TemporalEnv = Pick<
  z.infer<typeof envSchema>,
  'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TASK_QUEUE' | 'TEMPORAL_API_KEY' | 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY'
>;

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
    throw new ConfigurationError(
      `invalid configuration:\n  ${missing} is required with ${missing === 'TEMPORAL_TLS_CERT' ? 'TEMPORAL_TLS_KEY' : 'TEMPORAL_TLS_CERT'} (a client certificate and its key, PEM files)`,
    );
  }
  return { ...config, auth: { certFile: e.TEMPORAL_TLS_CERT, keyFile: e.TEMPORAL_TLS_KEY } };
}

/** What `Connection.connect` and `NativeConnection.connect` take: TLS whenever the cluster asks for credentials. */
export function temporalConnectionOptions({ address, auth }: TemporalConfig): {
  address: string;
  tls?: true | { clientCertPair: { crt: Buffer; key: Buffer } };
  apiKey?: string;
} {
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
