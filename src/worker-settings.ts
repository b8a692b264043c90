/**
 * The worker's memory and capacity settings, in one place. Each was measured with `npm run bench`
 * (docs/performance.md, "A leaner worker"); each way a worker starts (`npm run worker`, the demo, the
 * bench, test worker processes, the Docker image) takes them from here or from a copy that
 * test/dev/worker-settings.test.ts keeps equal.
 */

/**
 * Page activities at once. Each in-flight page holds its rows in a pooled buffer (about 1 MB at 1000
 * cars, see page-rows.ts), and a run's lanes (8 by default) are what keep the cores busy: 16 slots
 * leave room for planning and closing beside two runs' lanes, and bound the pages in memory.
 */
export const MAX_CONCURRENT_ACTIVITIES = 16;

/** Workflow tasks at once: a task is a few milliseconds of replay-free work, and the cache must hold at least this many. */
export const MAX_CONCURRENT_WORKFLOW_TASKS = 32;

/**
 * Workflows kept in memory between their tasks. A run keeps its parent and its running ranges (9 at the
 * default concurrency); the SDK's default sizes the cache from the heap limit (2,310 on a 24 GB host), which
 * many runs on one worker could fill. A workflow that falls out is replayed from history.
 */
export const MAX_CACHED_WORKFLOWS = 64;

/**
 * Workflows run in a worker thread with a V8 isolate of their own, not on the main thread (the SDK's
 * `debugMode`, 37 MB less at the peak in a side-by-side bench run): the thread keeps the SDK's limit on
 * one workflow activation, which catches a workflow stuck in a loop, and keeps workflow tasks off the
 * event loop that paces upstream requests.
 */
export const WORKFLOWS_ON_MAIN_THREAD = false;

/**
 * The young generation of the workflows' isolate, in MB (node's default for a thread on a large host is
 * 48). Workflow tasks allocate little and briefly, and at the default the isolate took about 60 MB for
 * 22-29 MB in use; at 12 the worker peaked 25-30 MB lower, with the same CPU (docs/performance.md).
 * The SDK offers no option for it: see limitWorkflowThread.
 */
export const WORKFLOW_THREAD_YOUNG_GENERATION_MB = 12;

/** One connection per in-flight page write, plus room for planning and closing. */
export const DATABASE_POOL_SIZE = 24;

/**
 * Set before the process starts (glibc reads it once): without it glibc gives each of the worker's
 * threads (the SDK's Rust runtime, libuv's pool) an arena of its own, and their freed memory stays mapped.
 */
export const WORKER_ENV = { MALLOC_ARENA_MAX: '2' } as const;

/**
 * How a worker started from source loads TypeScript: tsx's require hook only. `--import tsx` also
 * registers its ESM loader, which node runs in a thread with a V8 isolate of its own: loading the
 * worker's modules took 134-150 MB of RSS that way against 113 MB with the hook alone.
 */
export const TSX_REQUIRE_HOOK = ['--require', 'tsx/cjs'] as const;

/**
 * No V8 heap flags: V8 lets old space grow to two or three times what survives a full collection
 * (about 45 MB), and every flag that makes it collect sooner cost CPU. A node short of memory rather
 * than CPU can set `NODE_OPTIONS=--max-old-space-size=96`: about 240 MB at the peak instead of 250-290,
 * for 6-16% more worker CPU (docs/performance.md, "Not met"). A lower cap risks "heap out of memory".
 *
 * `node` arguments (before the script) for a worker started from source.
 */
export const WORKER_SOURCE_NODE_ARGS: readonly string[] = [...TSX_REQUIRE_HOOK];
