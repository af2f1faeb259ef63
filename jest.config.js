/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts', '**/*.test.js'],
  transform: {
    // Transpile only (esbuild); `tsc --noEmit` in `npm test` type-checks once.
    '^.+\\.ts$': '<rootDir>/test/support/esbuild-transform.js',
  },
  snapshotResolver: '<rootDir>/test/snapshot-resolver.js',
  testSequencer: '<rootDir>/test/support/sequencer.js',
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  // One worker per core (Jest's default leaves one core idle, which on two cores means running
  // in band): the suites that wait on real tools (PostgreSQL, Redis, promtool, kubectl) then
  // overlap with the CPU-bound ones.
  maxWorkers: '100%',
};
