import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const hasAutogroup = existsSync('/proc/self/autogroup');

/** Runs lowerCpuPriority(7) in a fresh node process and returns what it then reads of its own autogroup. */
async function autogroupAfterLowering(ownSession: boolean): Promise<string> {
  const script = `require('./src/worker').lowerCpuPriority(7); process.stdout.write(require('node:fs').readFileSync('/proc/self/autogroup', 'utf8'))`;
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: root, detached: ownSession, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  expect(code).toBe(0);
  return out.trim();
}

(hasAutogroup ? describe : describe.skip)('CARSYNC_WORKER_NICE under autogroup scheduling', () => {
  it("lowers the session's group of a worker that leads its own session", async () => {
    expect(await autogroupAfterLowering(true)).toMatch(/ nice 7$/);
  });

  it("leaves alone the group of the session it was started from (a shell's, here the test runner's)", async () => {
    const before = readFileSync('/proc/self/autogroup', 'utf8').trim();
    expect(await autogroupAfterLowering(false)).toBe(before);
    expect(readFileSync('/proc/self/autogroup', 'utf8').trim()).toBe(before);
  });
});
