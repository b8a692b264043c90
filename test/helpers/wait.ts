import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Resolves once `ready` holds, asking again every `everyMs`; after `timeoutMs` it fails naming `what`,
 * so that a test that never gets there says what it waited for rather than timing out.
 */
export async function waitFor(what: string, ready: () => boolean | Promise<boolean>, { timeoutMs = 120_000, everyMs = 50 } = {}): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await ready()); await sleep(everyMs)) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
  }
}
