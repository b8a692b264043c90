import fs from 'node:fs';
import os from 'node:os';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { findOrInstallTemporalCli } from '../../src/dev/temporal';

/**
 * Executables of this process's direct children, resolved through /proc: those of every thread, since
 * which one spawns a child (the main one, or the SDK's native runtime's) depends on how Jest runs the file.
 */
function childExecutables(): string[] {
  const tasks = fs.readdirSync(`/proc/${process.pid}/task`);
  const children = tasks.map((task) => {
    try {
      return fs.readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8');
    } catch {
      return ''; // the thread ended meanwhile
    }
  });
  return children
    .join(' ')
    .split(/\s+/)
    .filter(Boolean)
    .flatMap((pid) => {
      try {
        return [fs.realpathSync(`/proc/${pid}/exe`)];
      } catch {
        return [];
      }
    });
}

/** Where the SDK caches a CLI it downloads (`$TMPDIR/temporal-sdk-typescript-*`). */
function sdkDownloads(): string[] {
  return fs.readdirSync(os.tmpdir()).filter((entry) => entry.startsWith('temporal-sdk-typescript'));
}

describe('@temporalio/testing on our Temporal CLI', () => {
  it('starts the dev server from the existing binary, downloads nothing, and answers', async () => {
    const cli = await findOrInstallTemporalCli();
    const downloadsBefore = sdkDownloads();

    const env = await TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path: cli } } });
    try {
      expect(childExecutables()).toContain(fs.realpathSync(cli));
      const { namespaceInfo } = await env.client.workflowService.describeNamespace({ namespace: 'default' });
      expect(namespaceInfo?.name).toBe('default');
    } finally {
      await env.teardown();
    }

    expect(sdkDownloads()).toEqual(downloadsBefore);
  });
});
