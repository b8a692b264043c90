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
  testTimeout: 120_000,
  // The Temporal SDK's native runtime can keep the process alive after the last test has finished.
  forceExit: true,
  // One Temporal dev server and one PostgreSQL for the whole run; see test/helpers/servers.ts.
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
};
