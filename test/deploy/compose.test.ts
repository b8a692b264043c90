import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { loadDatabaseUrl, loadWorkerConfig } from '../../src/config';
import { parseSimulatorArgs } from '../../src/simulator/cli';
import { SERVER_DYNAMIC_CONFIG } from '../../src/dev/temporal';
import { DYNAMIC_CONFIG_FILE, MIN_HISTORY_SHARDS, TEMPORAL_SERVER_VERSION } from '../../src/dev/temporal-cluster';

/**
 * The deployment files, checked without a Docker engine: docker-compose.yml's structure and wiring,
 * the Dockerfile's stages, .dockerignore, and the workflow bundle script the image runs.
 */

const root = path.join(__dirname, '..', '..');
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');

// ---------------------------------------------------------------------------------------------------
// docker-compose.yml

type EnvValue = string | number | boolean | null;
interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, EnvValue> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  ports?: unknown[];
  container_name?: string;
  profiles?: string[];
  restart?: string;
  init?: boolean;
  stop_signal?: string;
  stop_grace_period?: string;
  healthcheck?: { test?: string | string[]; disable?: boolean };
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const composeText = read('docker-compose.yml');
const compose = parse(composeText) as ComposeFile;
const services = compose.services;

/**
 * Compose's variable interpolation (the forms this file may use): `$$`, `$VAR`, `${VAR}`,
 * `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`, `${VAR?message}`, `${VAR:+alt}`, `${VAR+alt}`.
 */
function interpolate(text: string, vars: Record<string, string>): string {
  const pattern = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;
  return text.replace(pattern, (match, name?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
    if (match === '$$') return '$';
    const key = (name ?? bare)!;
    const value = vars[key];
    const unset = value === undefined || (colon === ':' && value === '');
    switch (op) {
      case '-':
        return unset ? arg! : value!;
      case '?':
        if (unset) throw new Error(`required variable ${key} is missing: ${arg}`);
        return value!;
      case '+':
        return unset ? '' : arg!;
      default:
        return value ?? '';
    }
  });
}

/** A service's environment as the container sees it, the way `docker compose up` resolves it with `vars` set. */
function envOf(service: Service, vars: Record<string, string>): Record<string, string> {
  const entries: [string, string][] = Array.isArray(service.environment)
    ? service.environment.map((item) => {
        const at = item.indexOf('=');
        return at === -1 ? [item, vars[item] ?? ''] : [item.slice(0, at), item.slice(at + 1)];
      })
    : Object.entries(service.environment ?? {}).map(([k, v]) => [k, v === null ? (vars[k] ?? '') : String(v)]);
  return Object.fromEntries(entries.map(([k, v]) => [k, interpolate(v, vars)]));
}

function rawEnv(service: Service, name: string): string | undefined {
  const env = service.environment;
  if (Array.isArray(env)) {
    const item = env.find((e) => e.startsWith(`${name}=`));
    return item?.slice(name.length + 1);
  }
  const value = env?.[name];
  return value === undefined || value === null ? undefined : String(value);
}

function dependencies(service: Service): Record<string, string | undefined> {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, undefined]));
  return Object.fromEntries(Object.entries(deps).map(([k, v]) => [k, v?.condition]));
}

function commandOf(service: Service): string[] {
  const command = service.command ?? [];
  return Array.isArray(command) ? command : command.split(/\s+/).filter(Boolean);
}

/** The container ports a service's `ports:` publish (short or long syntax). */
function containerPorts(service: Service): number[] {
  return (service.ports ?? []).map((p) => {
    if (typeof p === 'object' && p !== null && 'target' in p) return Number((p as { target: unknown }).target);
    const spec = String(p).split('/')[0];
    return Number(spec.split(':').at(-1));
  });
}

/** `name:tag` or `name:tag@sha256:...`, with a tag other than latest; a registry port is not a tag. */
function imageTag(image: string): string | undefined {
  const withoutDigest = image.split('@')[0];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon === -1 ? undefined : withoutDigest.slice(colon + 1);
}

const API_KEY = 'test-api-key';
/** What `docker compose up` sees with only the required variable set. */
const minimalVars = { CARS_API_KEY: API_KEY };

/** The variable names the worker's configuration schema knows, read from src/config.ts. */
function configEnvNames(): Set<string> {
  const source = read('src/config.ts');
  const start = source.indexOf('const envSchema = z.object({');
  expect(start).toBeGreaterThan(-1);
  const body = source.slice(start, source.indexOf('\n});', start));
  return new Set([...body.matchAll(/^\s+([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]));
}

const LONG_RUNNING = ['temporal-db', 'temporal', 'temporal-ui', 'carsync-db', 'worker', 'simulator'];

describe('docker-compose.yml', () => {
  it('defines the whole deployment', () => {
    expect(Object.keys(services).sort()).toEqual([
      'carsync-db',
      'migrate',
      'simulator',
      'temporal',
      'temporal-db',
      'temporal-namespace',
      'temporal-schema',
      'temporal-ui',
      'worker',
    ]);
  });

  it('pins every image to a tag, never latest', () => {
    for (const [name, service] of Object.entries(services)) {
      expect({ name, image: typeof service.image }).toEqual({ name, image: 'string' });
      const image = interpolate(service.image!, {});
      const tag = imageTag(image);
      expect({ name, image, pinned: Boolean(tag) && tag !== 'latest' && !/\s/.test(tag!) }).toEqual({ name, image, pinned: true });
    }
    // The server the cluster tier runs (src/dev/temporal-cluster.ts), and admin tools of the same release.
    expect(services.temporal.image).toBe(`temporalio/server:${TEMPORAL_SERVER_VERSION}`);
    for (const job of ['temporal-schema', 'temporal-namespace'])
      expect(services[job].image).toMatch(new RegExp(`^temporalio/admin-tools:${TEMPORAL_SERVER_VERSION.replace(/\./g, '\\.')}-`));
    expect(services['temporal-ui'].image).toMatch(/^temporalio\/ui:2\.42\.\d+$/);
    expect(services['temporal-db'].image).toMatch(/^postgres:16[.-]/);
    expect(services['carsync-db'].image).toBe(services['temporal-db'].image);
  });

  it('names no deprecated image', () => {
    // auto-setup is deprecated and no longer built; the schema and namespace jobs do its work.
    expect(composeText).not.toMatch(/auto-setup/);
    for (const service of Object.values(services)) expect(service.image).not.toMatch(/^temporalio\/(auto-setup|web|tctl):/);
  });

  it('builds the worker here and runs the migration and the simulator from the same image', () => {
    expect(services.worker.build).toBeDefined();
    for (const name of ['migrate', 'simulator']) {
      expect(services[name].image).toBe(services.worker.image);
      expect(services[name].build).toEqual(services.worker.build);
    }
  });

  it('lets the worker scale: no container_name, no published ports', () => {
    expect(services.worker.container_name).toBeUndefined();
    expect(services.worker.ports ?? []).toEqual([]);
    expect(services.worker.stop_signal).toBe('SIGTERM');
    expect(services.worker.stop_grace_period).toMatch(/^\d+(s|m)$/);
  });

  it('points the worker at the Temporal frontend on the compose network', () => {
    const env = envOf(services.worker, minimalVars);
    const [host, port] = env.TEMPORAL_ADDRESS.split(':');
    expect(host).toBe('temporal');
    expect(Number(port)).toBe(7233);
    // The port the temporal service serves (and publishes), which its health check probes too.
    expect(containerPorts(services.temporal)).toContain(Number(port));
    expect(JSON.stringify(services.temporal.healthcheck?.test)).toContain(`nc -z temporal ${port}`);
    expect(envOf(services['temporal-ui'], minimalVars).TEMPORAL_ADDRESS).toBe(env.TEMPORAL_ADDRESS);
    // The namespace the namespace job registers, on the same frontend, is the one the worker polls.
    expect(envOf(services['temporal-namespace'], minimalVars).TEMPORAL_ADDRESS).toBe(env.TEMPORAL_ADDRESS);
    expect(envOf(services['temporal-namespace'], minimalVars).TEMPORAL_NAMESPACE).toBe(env.TEMPORAL_NAMESPACE);
    expect(envOf(services['temporal-namespace'], { ...minimalVars, TEMPORAL_NAMESPACE: 'cars' }).TEMPORAL_NAMESPACE).toBe('cars');
    // `$$` is compose's escape: the job's shell reads the variable set just above.
    expect(commandOf(services['temporal-namespace']).join('\n')).toContain('temporal operator namespace create -n "$$TEMPORAL_NAMESPACE"');
    expect(envOf(services.worker, { ...minimalVars, TEMPORAL_NAMESPACE: 'cars' }).TEMPORAL_NAMESPACE).toBe('cars');
  });

  it('wires Temporal and its schema job to their own database, with at least as many shards as the cluster tier', () => {
    const temporal = envOf(services.temporal, minimalVars);
    const schema = envOf(services['temporal-schema'], minimalVars);
    const db = envOf(services['temporal-db'], minimalVars);
    expect(temporal.DB).toBe('postgres12');
    expect(schema.SQL_PLUGIN).toBe(temporal.DB);
    expect(temporal.POSTGRES_SEEDS).toBe('temporal-db');
    expect(schema.SQL_HOST).toBe('temporal-db');
    expect(schema.SQL_PORT).toBe(temporal.DB_PORT);
    for (const user of [temporal.POSTGRES_USER, schema.SQL_USER]) expect(user).toBe(db.POSTGRES_USER);
    for (const password of [temporal.POSTGRES_PWD, schema.SQL_PASSWORD]) expect(password).toBe(db.POSTGRES_PASSWORD);
    const custom = { ...minimalVars, TEMPORAL_DB_PASSWORD: 's3cret' };
    expect(envOf(services.temporal, custom).POSTGRES_PWD).toBe(envOf(services['temporal-db'], custom).POSTGRES_PASSWORD);
    expect(envOf(services['temporal-schema'], custom).SQL_PASSWORD).toBe('s3cret');
    // The job sets up exactly the databases the server reads, from the release's own schema files.
    const script = commandOf(services['temporal-schema']).join('\n');
    expect(script).toContain(`setup ${temporal.DBNAME} temporal`);
    expect(script).toContain(`setup ${temporal.VISIBILITY_DBNAME} visibility`);
    for (const step of ['create-database', 'setup-schema -v 0.0', 'update-schema -d "/etc/temporal/schema/postgresql/v12/']) expect(script).toContain(step);
    expect(Number(temporal.NUM_HISTORY_SHARDS)).toBeGreaterThanOrEqual(MIN_HISTORY_SHARDS);
  });

  it('gives the worker and the migration the same DATABASE_URL, on carsync-db', () => {
    for (const vars of [minimalVars, { ...minimalVars, CARSYNC_DB_PASSWORD: 'pw-2' }]) {
      const url = new URL(envOf(services.worker, vars).DATABASE_URL);
      const db = envOf(services['carsync-db'], vars);
      expect(url.hostname).toBe('carsync-db');
      expect(url.port || '5432').toBe('5432');
      expect(decodeURIComponent(url.username)).toBe(db.POSTGRES_USER);
      expect(decodeURIComponent(url.password)).toBe(db.POSTGRES_PASSWORD);
      expect(url.pathname).toBe(`/${db.POSTGRES_DB}`);
      expect(envOf(services.migrate, vars).DATABASE_URL).toBe(url.toString());
      expect(loadDatabaseUrl(envOf(services.migrate, vars))).toBe(url.toString());
    }
  });

  it('requires CARS_API_KEY from the environment and never holds a value for it', () => {
    const required = /^\$\{CARS_API_KEY:\?[^}]+\}$/;
    expect(rawEnv(services.worker, 'CARS_API_KEY')).toMatch(required);
    expect(rawEnv(services.simulator, 'SIM_API_KEY')).toMatch(required);
    expect(() => envOf(services.worker, {})).toThrow(/CARS_API_KEY/);
    expect(() => envOf(services.worker, { CARS_API_KEY: '' })).toThrow(/CARS_API_KEY/);
    expect(envOf(services.worker, minimalVars).CARS_API_KEY).toBe(API_KEY);
    // Only the worker and the simulator see the key.
    for (const [name, service] of Object.entries(services)) {
      if (name === 'worker' || name === 'simulator') continue;
      expect({ name, env: JSON.stringify(service.environment ?? {}) }).not.toEqual({ name, env: expect.stringContaining('CARS_API_KEY') });
    }
  });

  it('defaults CARS_API_URL to the simulator and lets it be overridden', () => {
    expect(rawEnv(services.worker, 'CARS_API_URL')).toMatch(/^\$\{CARS_API_URL:-http:\/\/simulator:\d+\}$/);
    const url = new URL(envOf(services.worker, minimalVars).CARS_API_URL);
    expect(url.hostname).toBe('simulator');
    const command = commandOf(services.simulator);
    const sim = parseSimulatorArgs(command.slice(command.indexOf('dist/simulator/main.js') + 1), envOf(services.simulator, minimalVars));
    expect(sim.kind).toBe('run');
    if (sim.kind !== 'run') return;
    expect(sim.config.port).toBe(Number(url.port));
    expect(envOf(services.worker, { ...minimalVars, CARS_API_URL: 'https://cars.example.com' }).CARS_API_URL).toBe('https://cars.example.com');
  });

  it('passes the worker only variables that src/config.ts knows, and a configuration it accepts', () => {
    const known = configEnvNames();
    // Guards the text parse itself.
    for (const name of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'CARS_API_URL', 'CARS_API_KEY', 'CARSYNC_METRICS_PORT', 'CARSYNC_PAGE_SIZE']) {
      expect(known).toContain(name);
    }
    const env = envOf(services.worker, minimalVars);
    expect(Object.keys(env).filter((name) => !known.has(name))).toEqual([]);
    // Every tuning knob can be set from the deployment's environment.
    expect([...known].filter((name) => name.startsWith('CARSYNC_') && !(name in env))).toEqual([]);
    expect(Object.keys(envOf(services.migrate, minimalVars)).filter((name) => !known.has(name))).toEqual([]);

    // Exactly this environment (nothing inherited) must satisfy the worker: every required variable is set.
    const config = loadWorkerConfig(env);
    expect(config.temporal.address).toBe('temporal:7233');
    expect(config.api.key).toBe(API_KEY);
    expect(config.metricsPort).toBe(9464);
    // Unset tuning reaches the worker as empty strings, which mean "the default".
    expect(config.tuning).toEqual(loadWorkerConfig({ DATABASE_URL: 'postgres://h/d', CARS_API_URL: 'http://h', CARS_API_KEY: 'k' }).tuning);
    expect(loadWorkerConfig(envOf(services.worker, { ...minimalVars, CARSYNC_PAGE_SIZE: '250' })).tuning.pageSize).toBe(250);
  });

  it('probes the worker health at its metrics endpoint', () => {
    const env = envOf(services.worker, minimalVars);
    expect(env.CARSYNC_METRICS_PORT).toBe('9464');
    const test = services.worker.healthcheck?.test;
    expect(Array.isArray(test) && test[0]).toBe('CMD');
    const probe = JSON.stringify(test);
    expect(probe).toContain('http://127.0.0.1:');
    expect(probe).toContain('/metrics');
    // The probe reads the port from the container's environment, which the Dockerfile and compose set.
    expect(probe).toContain('process.env.CARSYNC_METRICS_PORT');
  });

  it('orders start-up: schema set up before Temporal, namespace and migration done before any worker', () => {
    expect(dependencies(services.worker)).toMatchObject({ 'temporal-namespace': 'service_completed_successfully', migrate: 'service_completed_successfully' });
    expect(dependencies(services.migrate)).toEqual({ 'carsync-db': 'service_healthy' });
    expect(dependencies(services['temporal-schema'])).toEqual({ 'temporal-db': 'service_healthy' });
    expect(dependencies(services.temporal)).toEqual({ 'temporal-schema': 'service_completed_successfully' });
    expect(dependencies(services['temporal-namespace'])).toEqual({ temporal: 'service_healthy' });
    expect(dependencies(services['temporal-ui'])).toMatchObject({ temporal: expect.stringMatching(/^service_(started|healthy)$/) });
    for (const job of ['migrate', 'temporal-schema', 'temporal-namespace']) expect({ job, restart: services[job].restart }).toEqual({ job, restart: 'no' });
    expect(commandOf(services.migrate)).toEqual(['node', 'dist/db/migrate-cli.js']);
    expect(existsSync(path.join(root, 'src/db/migrate-cli.ts'))).toBe(true);
  });

  it('gives every long-running service a health check and a restart policy', () => {
    for (const name of LONG_RUNNING) {
      const check = services[name].healthcheck;
      expect({ name, test: Boolean(check?.test && check.test.length > 0 && !check.disable) }).toEqual({ name, test: true });
      expect({ name, restart: services[name].restart }).toEqual({ name, restart: expect.stringMatching(/^(always|unless-stopped|on-failure)/) });
    }
    for (const name of ['temporal-db', 'carsync-db']) expect(JSON.stringify(services[name].healthcheck?.test)).toContain('pg_isready');
  });

  it("gives the Temporal server the dev server's dynamic config (eager activities, transfer queue read rate)", () => {
    const temporal = services.temporal as { volumes?: string[] };
    const mount = (temporal.volumes ?? []).find((v) => v.startsWith('./deploy/'))!;
    const [source, target] = mount.split(':');
    expect(target).toBe(`/etc/temporal/${envOf(services.temporal, {}).DYNAMIC_CONFIG_FILE_PATH}`);
    const expected = Object.fromEntries(Object.entries(SERVER_DYNAMIC_CONFIG).map(([key, value]) => [key, [{ value }]]));
    expect(parse(readFileSync(path.join(root, source), 'utf8'))).toEqual(expected);
    // The cluster tier's server reads the very same file.
    expect(DYNAMIC_CONFIG_FILE).toBe(path.join(root, source));
  });

  it('keeps data in named volumes and publishes no database port', () => {
    for (const name of ['temporal-db', 'carsync-db']) {
      expect(services[name].ports ?? []).toEqual([]);
      const volumes = (services[name] as { volumes?: string[] }).volumes ?? [];
      const named = volumes.map((v) => v.split(':')[0]).filter((source) => compose.volumes && source in compose.volumes);
      expect({ name, named: named.length }).toEqual({ name, named: 1 });
    }
  });

  it('runs the simulator only under the simulator profile, reachable from other containers', () => {
    expect(services.simulator.profiles).toEqual(['simulator']);
    for (const [name, service] of Object.entries(services)) {
      if (name !== 'simulator') expect({ name, profiles: service.profiles }).toEqual({ name, profiles: undefined });
    }
    const command = commandOf(services.simulator);
    expect(command.slice(0, 2)).toEqual(['node', 'dist/simulator/main.js']);
    const sim = parseSimulatorArgs(command.slice(2), envOf(services.simulator, minimalVars));
    expect(sim).toMatchObject({ kind: 'run', config: { host: '0.0.0.0', port: 8080, apiKey: API_KEY } });
    // The worker and the simulator always share the key.
    const other = { CARS_API_KEY: 'another-key' };
    expect(envOf(services.simulator, other).SIM_API_KEY).toBe(envOf(services.worker, other).CARS_API_KEY);
  });
});

// ---------------------------------------------------------------------------------------------------
// Dockerfile

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  // Comment lines go first (also inside continuations, as Docker does), then continuations are joined.
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, op, rest] = /^(\S+)\s*(.*)$/.exec(line)!;
    const upper = op.toUpperCase();
    if (upper === 'ARG' && stages.length === 0) {
      const [name, value] = rest.split('=');
      args[name] = value ?? '';
    } else if (upper === 'FROM') {
      const parts = rest.split(/\s+/).filter((p) => !p.startsWith('--'));
      const image = parts[0].replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name: string) => args[name] ?? '');
      stages.push({ image, name: /^as$/i.test(parts[1] ?? '') ? parts[2] : undefined, instructions: [] });
    } else {
      expect(stages.length).toBeGreaterThan(0);
      stages.at(-1)!.instructions.push({ op: upper, args: rest });
    }
  }
  return { args, stages };
}

function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  expect(Array.isArray(parsed)).toBe(true);
  return parsed as string[];
}

describe('Dockerfile', () => {
  const { stages } = parseDockerfile(read('Dockerfile'));
  const build = stages.find((s) => s.name === 'build');
  const runtime = stages.at(-1)!;
  const ops = (stage: Stage, op: string) => stage.instructions.filter((i) => i.op === op).map((i) => i.args);

  it('builds in stages from a pinned, supported Node LTS Debian slim image that package.json engines accepts', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(build).toBeDefined();
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    const minimumMajor = Number(/^>=(\d+)\./.exec(engines)?.[1]);
    // Node 20 reached end of life on 2026-04-30; 22 and 24 are the LTS lines still supported.
    expect(minimumMajor).toBeGreaterThanOrEqual(22);
    for (const stage of stages) {
      const tag = imageTag(stage.image);
      expect({ image: stage.image, pinned: Boolean(tag) && tag !== 'latest' }).toEqual({ image: stage.image, pinned: true });
      expect(stage.image).toMatch(/^node:(22|24)\.\d+\.\d+-bookworm-slim(@sha256:[0-9a-f]{64})?$/);
      expect(Number(/^node:(\d+)/.exec(stage.image)![1])).toBeGreaterThanOrEqual(minimumMajor);
    }
  });

  it('installs with npm ci, compiles to dist/ and bundles the workflows from it in the build stage', () => {
    const runs = ops(build!, 'RUN').join('\n');
    expect(runs).toMatch(/\bnpm ci\b/);
    expect(runs).not.toMatch(/--ignore-scripts/);
    expect(runs).toMatch(/\bnpm run build\b/);
    expect((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.build).toBe('tsc -p tsconfig.build.json');
    expect(runs).toMatch(/node dist\/dev\/bundle-workflows\.js dist\/workflow-bundle\.js/);
    expect(runs).not.toMatch(/\btsx\b/);
  });

  it('runs the compiled worker as a non-root user from the prebuilt bundle, without tsx', () => {
    const users = ops(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1)!.split(':')[0];
    expect(['root', '0', '']).not.toContain(user);

    const workdir = ops(runtime, 'WORKDIR').at(-1) ?? '/';
    const copies = ops(runtime, 'COPY');
    const distCopy = copies.find((c) => c.includes('--from=build') && /\/app\/dist\s/.test(c));
    expect(distCopy).toBeDefined();
    const dist = path.posix.resolve(workdir, distCopy!.split(/\s+/).at(-1)!);
    const env = ops(runtime, 'ENV').join(' ');
    expect(/CARSYNC_WORKFLOW_BUNDLE=(\S+)/.exec(env)?.[1]).toBe(`${dist}/workflow-bundle.js`);
    expect(env).toMatch(/CARSYNC_METRICS_PORT=9464\b/);

    // Everything the compose commands run is in the image: the compiled app, its migrations, its dependencies.
    for (const source of ['db', 'package.json']) expect(copies.some((c) => c.split(/\s+/).includes(source))).toBe(true);
    expect(copies.some((c) => c.includes('--from=build') && c.includes('node_modules'))).toBe(true);
    for (const name of ['worker', 'migrate', 'simulator']) {
      const command = commandOf(services[name]).length > 0 ? commandOf(services[name]) : ops(runtime, 'CMD').flatMap(execForm);
      expect({ name, command: command.slice(0, 2) }).toEqual({ name, command: ['node', expect.stringMatching(/^dist\/.+\.js$/)] });
      // tsconfig.build.json compiles src/X.ts to dist/X.js.
      expect(existsSync(path.join(root, command[1].replace(/^dist\//, 'src/').replace(/\.js$/, '.ts')))).toBe(true);
    }

    const cmd = [...ops(runtime, 'ENTRYPOINT').flatMap(execForm), ...ops(runtime, 'CMD').flatMap(execForm)];
    expect(cmd).toEqual(['node', 'dist/worker.js']);
  });

  it('builds a bundle that src/worker.ts loads when CARSYNC_WORKFLOW_BUNDLE is set', () => {
    // Without this the image would still bundle the workflows with webpack at every start.
    const readsIt = /process\.env\.CARSYNC_WORKFLOW_BUNDLE\b/.test(read('src/worker.ts'));
    expect({ 'src/worker.ts reads process.env.CARSYNC_WORKFLOW_BUNDLE': readsIt }).toEqual({ 'src/worker.ts reads process.env.CARSYNC_WORKFLOW_BUNDLE': true });
  });
});

describe('.dockerignore', () => {
  it('keeps host dependencies, data, tools and secrets out of the build context', () => {
    const entries = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    for (const entry of ['node_modules', '.data', '.tools', 'dist', '.git', '.env']) expect(entries).toContain(entry);
    // What the image copies from the context must not be ignored.
    for (const needed of ['src', 'db', 'package.json', 'package-lock.json', 'tsconfig.json']) {
      expect(entries).not.toContain(needed);
      expect(existsSync(path.join(root, needed))).toBe(true);
    }
  });
});

describe('src/dev/bundle-workflows.ts', () => {
  it('writes a workflow bundle that holds SyncCarsWorkflow', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'carsync-bundle-'));
    try {
      const out = path.join(dir, 'nested', 'workflow-bundle.js');
      await promisify(execFile)(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(root, 'src/dev/bundle-workflows.ts'), out], {
        cwd: root,
        timeout: 90_000,
        maxBuffer: 16 * 1024 * 1024,
      });
      const code = await readFile(out, 'utf8');
      expect(code).toContain('SyncCarsWorkflow');
      expect(code.length).toBeGreaterThan(10_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses to run without an output path', async () => {
    const run = promisify(execFile)(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(root, 'src/dev/bundle-workflows.ts')], {
      cwd: root,
      timeout: 30_000,
    });
    await expect(run).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('usage') });
  });
});
