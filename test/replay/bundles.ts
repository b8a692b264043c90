import fs from 'node:fs';
import path from 'node:path';

/** Workflow bundles of released code (`npm run record:bundle -- <commit>`), which test/workflows/upgrade.test.ts hands over from. */
export const BUNDLES_DIR = path.resolve(__dirname, '..', 'fixtures', 'bundles');

/** Every recorded bundle, by name (`workflows-<short sha>`), in name order. */
export function recordedBundles(dir = BUNDLES_DIR): { name: string; codePath: string }[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((file) => /^workflows-[0-9a-f]+\.js$/.test(file))
    .sort()
    .map((file) => ({ name: path.basename(file, '.js'), codePath: path.join(dir, file) }));
}
