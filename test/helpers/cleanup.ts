/**
 * Cleanups that run after each test of the calling file, in reverse order, whether it passed or not.
 * Call at the top level of a test file.
 */
export function cleanupAfterEach(): (undo: () => Promise<unknown>) => void {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (let undo = cleanups.pop(); undo; undo = cleanups.pop()) {
      await undo().catch((err: unknown) => console.error('cleanup failed:', err));
    }
  });
  return (undo) => void cleanups.push(undo);
}
