/** @type {import('jest').Config} */
module.exports = {
  // `npm run test:cluster`: the same tests' setup, but on a real Temporal cluster (src/dev/temporal-cluster.ts).
  ...require('./jest.config.js'),
  testMatch: ['<rootDir>/test/cluster/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  // A 200,000-car run through a worker kill and a server restart, on a loaded 2-core box.
  testTimeout: 300_000,
  globalSetup: '<rootDir>/test/cluster/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
};
