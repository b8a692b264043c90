import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WORKER_ENV, WORKER_SOURCE_NODE_ARGS } from '../../src/worker-settings';

/**
 * The settings that must be in place before the worker's process starts (src/worker-settings.ts) are
 * copied into package.json, the Dockerfile and the processes the bench and the tests start: every
 * copy says the same.
 */

const root = path.join(__dirname, '..', '..');
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');
const envAssignments = Object.entries(WORKER_ENV).map(([name, value]) => `${name}=${value}`);

describe('the worker settings', () => {
  it('start `npm run worker` and `npm run demo` (which runs a worker in its process)', () => {
    const { scripts } = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    const command = (script: string) => [...envAssignments, 'node', ...WORKER_SOURCE_NODE_ARGS, script].join(' ');
    expect({ worker: scripts.worker, demo: scripts.demo }).toEqual({ worker: command('src/worker.ts'), demo: command('src/dev/demo.ts') });
  });

  it("start the Docker image's worker", () => {
    const dockerfile = read('Dockerfile').replace(/\\\n\s*/g, ' ');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const env = runtime
      .split('\n')
      .filter((line) => line.startsWith('ENV '))
      .join(' ');
    for (const assignment of envAssignments) expect(env.split(/\s+/)).toContain(assignment);
  });

  it('start the worker processes of the bench and of the tests', () => {
    for (const file of ['bench/run.ts', 'test/helpers/worker-process.ts']) {
      const text = read(file);
      expect({ file, env: /\.\.\.WORKER_ENV\b/.test(text), args: /\.\.\.WORKER_SOURCE_NODE_ARGS\b/.test(text) }).toEqual({ file, env: true, args: true });
    }
  });
});
