/**
 * Records a release's workflow code for test/workflows/upgrade.test.ts: `npm run record:bundle -- <commit>`.
 * Bundles the workflows of `<commit>` (its `src/`, taken with `git archive`) as a worker of that release
 * would, and writes test/fixtures/bundles/workflows-<short sha>.js. Its source map is empty, so the
 * file stays small (a worker still needs one to load a bundle), and its module names are relative to the
 * archive, so recording a commit again writes the same bytes.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { BUNDLES_DIR } from './bundles';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const SDK_PACKAGE = '@temporalio/workflow';

const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).trim();

/** The SDK version `commit` locked: the bundle takes the installed SDK, which must be the one that release ran. */
function lockedSdkVersion(commit: string): string | undefined {
  const lock = JSON.parse(git('show', `${commit}:package-lock.json`)) as { packages?: Record<string, { version?: string }> };
  return lock.packages?.[`node_modules/${SDK_PACKAGE}`]?.version;
}

async function main(): Promise<void> {
  const [ref, ...rest] = process.argv.slice(2);
  if (!ref || rest.length) {
    process.stderr.write('usage: npm run record:bundle -- <commit>\n');
    process.exit(2);
  }
  const commit = git('rev-parse', '--verify', `${ref}^{commit}`);
  const short = git('rev-parse', '--short=7', commit);
  const installed = (JSON.parse(readFileSync(require.resolve(`${SDK_PACKAGE}/package.json`), 'utf8')) as { version: string }).version;
  const locked = lockedSdkVersion(commit);
  if (locked !== installed) {
    throw new Error(`${short} locked ${SDK_PACKAGE} ${locked ?? '(none)'}, but ${installed} is installed: record it from a checkout of ${short} after npm ci`);
  }

  const work = mkdtempSync(path.join(tmpdir(), `carsync-bundle-${short}-`));
  try {
    execFileSync('sh', ['-c', `git archive --format=tar "${commit}" src | tar -x -C "${work}"`], { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    // The archived code imports the SDK, which webpack finds here.
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(work, 'node_modules'), 'dir');
    const quiet = { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} } as never;
    const { code } = await bundleWorkflowCode({
      workflowsPath: path.join(work, 'src', 'workflows'),
      logger: quiet,
      webpackConfigHook: (config) => ({ ...config, context: work, devtool: false, resolve: { ...config.resolve, symlinks: false } }),
    });
    const file = path.join(BUNDLES_DIR, `workflows-${short}.js`);
    mkdirSync(BUNDLES_DIR, { recursive: true });
    writeFileSync(file, `${code}\n//# sourceMappingURL=data:application/json;base64,${emptySourceMap(path.basename(file))}\n`);
    process.stdout.write(`workflow bundle of ${short}: ${path.relative(process.cwd(), file)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A source map that maps nothing, base64-encoded: the worker refuses a bundle without an inline one. */
function emptySourceMap(file: string): string {
  return Buffer.from(JSON.stringify({ version: 3, file, sources: [], names: [], mappings: '' })).toString('base64');
}

main().catch((err: unknown) => {
  process.stderr.write(`record-bundle: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
