import { parseArgs } from 'node:util';
import { z } from 'zod';
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
  apiKey: string;
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
  apiKey: { flag: 'api-key', env: 'SIM_API_KEY', fallback: DEFAULT_API_KEY, schema: z.string().regex(/^\S+$/, 'must be non-empty, without spaces') },
} as const;

export const USAGE = `Usage: npm run simulator -- [options]

Serves the car listings API (GET /v1/cars) and a control API under /_admin.
Each option can also be set by the environment variable shown; a flag wins over the variable.

${Object.values(SETTINGS)
  .map((s) => `  --${s.flag.padEnd(18)} ${s.env.padEnd(22)} default ${s.fallback}`)
  .join('\n')}
  --help

--rate-limit is requests per second per key (0: unlimited); the rates are shares from 0 to 1.
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
