/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // Keeps Jest's crawler out of .data (live PostgreSQL clusters) and .tools (the Temporal CLI).
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // The cluster tier runs apart, on its own servers: `npm run test:cluster` (jest.cluster.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/cluster/'],
  // Transpile only: `npm test` type-checks with tsc before jest runs.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true } }] },
  // It only bounds a hang: a test on a loaded 2-core machine may take minutes, and waits on events, not times.
  testTimeout: 180_000,
  // Test files side by side, each worker with its own Temporal dev server (test/global-setup.ts).
  maxWorkers: 3,
  // The Temporal SDK's native runtime can keep the process alive after the last test has finished.
  forceExit: true,
  // A Temporal dev server per worker, one PostgreSQL with a migrated template, one workflow bundle; see test/helpers/servers.ts.
  globalSetup: '<rootDir>/test/global-setup.ts',
  setupFiles: ['<rootDir>/test/worker-setup.ts'],
  globalTeardown: '<rootDir>/test/global-teardown.ts',
};
