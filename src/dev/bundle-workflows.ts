import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

/**
 * Writes the workflow bundle to the path given as the first argument, for example
 * `npx tsx src/dev/bundle-workflows.ts dist/workflow-bundle.js`. The Docker image builds it once, so
 * that a worker starting there (with `CARSYNC_WORKFLOW_BUNDLE` set to it) skips webpack: faster
 * start-up and no bundler work on every replica.
 */
async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out || process.argv.length > 3) {
    process.stderr.write('usage: tsx src/dev/bundle-workflows.ts <output file>\n');
    process.exit(2);
  }
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') });
  const target = path.resolve(out);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, code);
  process.stdout.write(`workflow bundle: ${target} (${Buffer.byteLength(code)} bytes)\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bundle-workflows: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
