/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Transpile only (esbuild); `tsc --noEmit` in `npm test` type-checks once.
    '^.+\\.ts$': '<rootDir>/test/support/esbuild-transform.js',
  },
  snapshotResolver: '<rootDir>/test/snapshot-resolver.js',
};
