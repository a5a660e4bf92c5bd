// The tests that need the real control plane: `npm test` runs them through `npm run cluster -- run`, which
// starts the cluster and sets KUBECONFIG, PROMETHEUS_URL and PUSHGATEWAY_URL. One file at a time: they share it.
module.exports = {
  rootDir: '../..',
  roots: ['<rootDir>/test/e2e'],
  testMatch: ['**/*.e2e.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testEnvironment: 'node',
  testTimeout: 600000,
  maxWorkers: 1,
  setupFilesAfterEnv: ['<rootDir>/test/support/one-outdir.ts'],
};
