/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The Functions worker injects @azure/functions-core; under jest the embedded host's copy stands in.
  moduleNameMapper: { '^@azure/functions-core$': '<rootDir>/local/core/core-module.ts' },
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // Integration tests start real servers (Azurite, Dovecot); give them room but fail hung ones.
  testTimeout: 60000,
  // Two cores: run test files two at a time so servers do not starve each other.
  maxWorkers: 2,
  setupFilesAfterEnv: ['<rootDir>/testing/jest/release-pool.ts'],
};
