import { parseArgs } from 'node:util';
import { z } from 'zod';
import { RETRY_AFTER_STYLES, type RetryAfterStyle } from './hostile';
import { DEFAULT_API_KEY, DEFAULT_SEED, DEFAULT_SIZE } from './server';

export interface SimulatorCliConfig {
  port: number;
  host: string;
  size: number;
  seed: number;
  invalidShare: number;
  oddShare: number;
  latencyMs: number;
  latencyJitterMs: number;
  /** Requests per second per key; null when unlimited. */
  rateLimit: number | null;
  errorRate: number;
  resetRate: number;
  truncateRate: number;
  /** Most records a page serves; null when uncapped. */
  pageCap: number | null;
  shortPageRate: number;
  jumpRate: number;
  outOfRangeRate: number;
  oversizeRate: number;
  apiKey: string;
  echoKey: boolean;
  gzipBombRate: number;
  endlessBodyRate: number;
  stallRate: number;
  slowBodyRate: number;
  slowBodyMs: number;
  wrongTypeRate: number;
  retryAfterStyle: RetryAfterStyle;
  closeConnections: boolean;
  chunked: boolean;
  /** Build every record's JSON before serving (see Dataset.prebuild). */
  prebuild: boolean;
}

export type CliResult = { kind: 'help' } | { kind: 'run'; config: SimulatorCliConfig } | { kind: 'error'; message: string };

const wholeNumber = (max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().max(max, `must be at most ${max}`));
const share = z
  .string()
  .regex(/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/, 'must be a number from 0 to 1')
  .transform(Number);
const yesNo = z.enum(['true', 'false', '1', '0'], 'must be true or false').transform((v) => v === 'true' || v === '1');

/** Each setting: its flag, its environment variable, its default and how its text is read. */
const SETTINGS = {
  port: { flag: 'port', env: 'SIM_PORT', fallback: '8080', schema: wholeNumber(65535) },
  host: { flag: 'host', env: 'SIM_HOST', fallback: '127.0.0.1', schema: z.string().min(1, 'must not be empty') },
  size: { flag: 'size', env: 'SIM_SIZE', fallback: String(DEFAULT_SIZE), schema: wholeNumber(10_000_000) },
  seed: { flag: 'seed', env: 'SIM_SEED', fallback: String(DEFAULT_SEED), schema: wholeNumber(2 ** 32 - 1) },
  invalidShare: { flag: 'invalid-share', env: 'SIM_INVALID_SHARE', fallback: '0.005', schema: share },
  oddShare: { flag: 'odd-share', env: 'SIM_ODD_SHARE', fallback: '0', schema: share },
  latencyMs: { flag: 'latency-ms', env: 'SIM_LATENCY_MS', fallback: '0', schema: wholeNumber(600_000) },
  latencyJitterMs: { flag: 'latency-jitter-ms', env: 'SIM_LATENCY_JITTER_MS', fallback: '0', schema: wholeNumber(600_000) },
  rateLimit: {
    flag: 'rate-limit',
    env: 'SIM_RATE_LIMIT',
    fallback: '0',
    schema: wholeNumber().transform((n) => (n === 0 ? null : n)),
  },
  errorRate: { flag: 'error-rate', env: 'SIM_ERROR_RATE', fallback: '0', schema: share },
  resetRate: { flag: 'reset-rate', env: 'SIM_RESET_RATE', fallback: '0', schema: share },
  truncateRate: { flag: 'truncate-rate', env: 'SIM_TRUNCATE_RATE', fallback: '0', schema: share },
  pageCap: { flag: 'page-cap', env: 'SIM_PAGE_CAP', fallback: '0', schema: wholeNumber().transform((n) => (n === 0 ? null : n)) },
  shortPageRate: { flag: 'short-page-rate', env: 'SIM_SHORT_PAGE_RATE', fallback: '0', schema: share },
  jumpRate: { flag: 'jump-rate', env: 'SIM_JUMP_RATE', fallback: '0', schema: share },
  outOfRangeRate: { flag: 'out-of-range-rate', env: 'SIM_OUT_OF_RANGE_RATE', fallback: '0', schema: share },
  oversizeRate: { flag: 'oversize-rate', env: 'SIM_OVERSIZE_RATE', fallback: '0', schema: share },
  apiKey: { flag: 'api-key', env: 'SIM_API_KEY', fallback: DEFAULT_API_KEY, schema: z.string().regex(/^\S+$/, 'must be non-empty, without spaces') },
  echoKey: { flag: 'echo-key', env: 'SIM_ECHO_KEY', fallback: 'false', schema: yesNo },
  gzipBombRate: { flag: 'gzip-bomb-rate', env: 'SIM_GZIP_BOMB_RATE', fallback: '0', schema: share },
  endlessBodyRate: { flag: 'endless-body-rate', env: 'SIM_ENDLESS_BODY_RATE', fallback: '0', schema: share },
  stallRate: { flag: 'stall-rate', env: 'SIM_STALL_RATE', fallback: '0', schema: share },
  slowBodyRate: { flag: 'slow-body-rate', env: 'SIM_SLOW_BODY_RATE', fallback: '0', schema: share },
  slowBodyMs: { flag: 'slow-body-ms', env: 'SIM_SLOW_BODY_MS', fallback: '10000', schema: wholeNumber(600_000) },
  wrongTypeRate: { flag: 'wrong-type-rate', env: 'SIM_WRONG_TYPE_RATE', fallback: '0', schema: share },
  retryAfterStyle: { flag: 'retry-after-style', env: 'SIM_RETRY_AFTER_STYLE', fallback: 'seconds', schema: z.enum(RETRY_AFTER_STYLES) },
  closeConnections: { flag: 'close-connections', env: 'SIM_CLOSE_CONNECTIONS', fallback: 'false', schema: yesNo },
  chunked: { flag: 'chunked', env: 'SIM_CHUNKED', fallback: 'false', schema: yesNo },
  prebuild: { flag: 'prebuild', env: 'SIM_PREBUILD', fallback: 'false', schema: yesNo },
} as const;

export const USAGE = `Usage: npm run simulator -- [options]

Serves the car listings API (GET /v1/cars) and a control API under /_admin.
Each option can also be set by the environment variable shown; a flag wins over the variable.

${Object.values(SETTINGS)
  .map((s) => `  --${s.flag.padEnd(18)} ${s.env.padEnd(22)} default ${s.fallback}`)
  .join('\n')}
  --help

--rate-limit is requests per second per key (0: unlimited); the rates are shares from 0 to 1.
--echo-key repeats the presented key in 401, 403 and 5xx answers; --retry-after-style is one of
${RETRY_AFTER_STYLES.join(', ')}; --close-connections, --chunked and --prebuild take true or false.
--prebuild builds every record's JSON before serving, which a listing otherwise does as it is first
served: so the first sync does not pay more of the simulator's CPU than a later one.
--page-cap serves at most that many records a page whatever per_page asks, as meta.per_page says (0: no cap).
Paging faults stray keyset pages only: --short-page-rate serves fewer records than asked though more
exist (the contract allows it); --jump-rate makes next_after_id skip records the page did not return;
--out-of-range-rate adds a record outside (after_id, max_id]; --oversize-rate serves more than asked.
--odd-share serves that share of records odd: U+0000 or lone surrogates in text, 20,000-character
strings, timestamps PostgreSQL cannot store, integers beyond bigint, deep nesting, null elements.
`;

/** Reads the simulator's settings from command-line flags and the environment. */
export function parseSimulatorArgs(argv: readonly string[], env: NodeJS.ProcessEnv): CliResult {
  let values: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(Object.values(SETTINGS).map((s) => [s.flag, { type: 'string' as const }]));
    values = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean' } }, strict: true }).values;
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  if (values.help === true) return { kind: 'help' };
  const config: Record<string, unknown> = {};
  for (const [name, setting] of Object.entries(SETTINGS)) {
    const fromFlag = values[setting.flag];
    const text = typeof fromFlag === 'string' ? fromFlag : (env[setting.env] ?? setting.fallback);
    const source = typeof fromFlag === 'string' ? `--${setting.flag}` : env[setting.env] !== undefined ? setting.env : 'default';
    const parsed = (setting.schema as z.ZodType<unknown, string>).safeParse(text);
    if (!parsed.success) {
      return { kind: 'error', message: `${source} ${parsed.error.issues[0].message}, got ${JSON.stringify(text)}` };
    }
    config[name] = parsed.data;
  }
  return { kind: 'run', config: config as unknown as SimulatorCliConfig };
}
