/**
 * The worker's memory and capacity settings, in one place. Each was measured with `npm run bench`
 * (docs/performance.md, "A leaner worker"); each way a worker starts (`npm run worker`, the demo, the
 * bench, test worker processes, the Docker image) takes them from here or from a copy that
 * test/dev/worker-settings.test.ts keeps equal.
 */

/**
 * Page activities at once. Each in-flight page holds its body, the parsed records and the rows for
 * PostgreSQL (about 5 MB at 1000 cars), and a run's lanes (8 by default) are what keep the cores busy:
 * 16 slots leave room for planning and closing beside two runs' lanes, where 64 only let memory grow.
 */
export const MAX_CONCURRENT_ACTIVITIES = 16;

/** Workflow tasks at once: a task is a few milliseconds of replay-free work, and the cache must hold at least this many. */
export const MAX_CONCURRENT_WORKFLOW_TASKS = 32;

/**
 * Workflows kept in the workflow isolate. A run keeps its parent and its running ranges (9 at the
 * default concurrency); the SDK's default sizes the cache from the heap limit (about 2,400 here), and
 * every finished range stayed in it until evicted. A workflow that falls out is replayed from history.
 */
export const MAX_CACHED_WORKFLOWS = 64;

/** One connection per in-flight page write, plus room for planning and closing. */
export const DATABASE_POOL_SIZE = 24;

/**
 * V8 flags for the worker's node. Young-generation semi-spaces pinned at 16 MB: node sizes them up
 * to 16 MB on demand and back down, and a page's short-lived records promoted out of a smaller one
 * only to die in the old space, which then grew by tens of megabytes between major GCs.
 */
export const WORKER_NODE_FLAGS = ['--max-semi-space-size=16', '--min-semi-space-size=16'] as const;

/**
 * Set before the process starts (glibc reads it once): without it glibc gives each of the SDK's and
 * libuv's threads an arena of its own, and their freed memory stays mapped (about 25 MB here).
 */
export const WORKER_ENV = { MALLOC_ARENA_MAX: '2' } as const;

/**
 * How a worker started from source loads TypeScript: tsx's require hook only. `--import tsx` also
 * registers its ESM loader, which node runs in a thread with a V8 isolate of its own (about 12 MB).
 */
export const TSX_REQUIRE_HOOK = ['--require', 'tsx/cjs'] as const;

/** `node` arguments (before the script) for a worker started from source. */
export const WORKER_SOURCE_NODE_ARGS: readonly string[] = [...WORKER_NODE_FLAGS, ...TSX_REQUIRE_HOOK];
