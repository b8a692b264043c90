import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseSimulatorArgs } from '../../src/simulator/cli';

describe('simulator command line', () => {
  it('has defaults that need no setting', () => {
    expect(parseSimulatorArgs([], {})).toEqual({
      kind: 'run',
      config: {
        port: 8080,
        host: '127.0.0.1',
        size: 200_000,
        seed: 42,
        invalidShare: 0.005,
        oddShare: 0,
        latencyMs: 0,
        latencyJitterMs: 0,
        rateLimit: null,
        errorRate: 0,
        resetRate: 0,
        truncateRate: 0,
        pageCap: null,
        shortPageRate: 0,
        jumpRate: 0,
        outOfRangeRate: 0,
        oversizeRate: 0,
        apiKey: 'sim-key',
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
        prebuild: false,
      },
    });
  });

  it('reads flags and environment variables, flags winning', () => {
    const result = parseSimulatorArgs(['--port', '0', '--size=2000', '--rate-limit', '20', '--error-rate', '0.05', '--api-key', 'k1', '--page-cap', '250'], {
      SIM_PORT: '9000',
      SIM_SEED: '7',
      SIM_RESET_RATE: '.01',
      SIM_API_KEY: 'k2',
      SIM_JUMP_RATE: '0.1',
    });
    expect(result).toMatchObject({
      kind: 'run',
      config: { port: 0, size: 2000, seed: 7, rateLimit: 20, errorRate: 0.05, resetRate: 0.01, apiKey: 'k1', pageCap: 250, jumpRate: 0.1 },
    });
  });

  it('reads the hostile-answer faults', () => {
    const result = parseSimulatorArgs(
      ['--echo-key', 'true', '--gzip-bomb-rate', '0.1', '--slow-body-ms', '500', '--retry-after-style', 'year-date', '--chunked', '1'],
      { SIM_STALL_RATE: '0.2', SIM_CLOSE_CONNECTIONS: 'true' },
    );
    expect(result).toMatchObject({
      kind: 'run',
      config: { echoKey: true, gzipBombRate: 0.1, slowBodyMs: 500, retryAfterStyle: 'year-date', chunked: true, stallRate: 0.2, closeConnections: true },
    });
  });

  it.each([
    [['--port', 'http'], {}, '--port'],
    [['--port', '70000'], {}, '--port'],
    [['--error-rate', '1.5'], {}, '--error-rate'],
    [['--size', '-3'], {}, '--size'],
    [[], { SIM_SIZE: 'lots' }, 'SIM_SIZE'],
    [['--latency'], {}, '--latency'],
    [['--api-key', ''], {}, '--api-key'],
    [['--echo-key', 'yes'], {}, '--echo-key'],
    [['--retry-after-style', 'soon'], {}, '--retry-after-style'],
    [[], { SIM_GZIP_BOMB_RATE: '2' }, 'SIM_GZIP_BOMB_RATE'],
  ])('names the bad setting in %j %j', (argv: string[], env: Record<string, string>, name: string) => {
    const result = parseSimulatorArgs(argv, env);
    expect(result.kind).toBe('error');
    expect(result.kind === 'error' && result.message).toContain(name);
  });

  it('knows --help', () => {
    expect(parseSimulatorArgs(['--help'], {})).toEqual({ kind: 'help' });
  });

  const main = path.join(__dirname, '../../src/simulator/main.ts');
  const run = (args: string[]) => spawn(process.execPath, ['--import', 'tsx', main, ...args], { env: { ...process.env, SIM_PORT: '0' } });

  it('exits 2 with a message naming a bad flag', async () => {
    const child = run(['--rate-limit', 'fast']);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('--rate-limit');
  });

  it('prints its URL, serves, and stops cleanly on SIGTERM', async () => {
    const child = run(['--size', '100', '--api-key', 'cli-key']);
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString()));
      child.once('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const url = /(http:\/\/\S+)\/v1\/cars/.exec(line)?.[1];
    // A key that is not the default is never printed: it may be shared with carsync.
    expect(line).not.toContain('cli-key');
    expect(line).toContain('Bearer <SIM_API_KEY>');
    const res = await fetch(`${url}/v1/cars`, { headers: { authorization: 'Bearer cli-key' } });
    expect(res.status).toBe(200);
    child.kill('SIGTERM');
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(0);
  });
});
