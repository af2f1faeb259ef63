/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts', '**/*.test.js'],
  transform: {
    // tsconfig's isolatedModules makes ts-jest transpile only; `tsc --noEmit` in `npm test` type-checks once.
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  snapshotResolver: '<rootDir>/test/snapshot-resolver.js',
};
