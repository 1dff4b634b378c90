/** Jest: unit tests are hermetic; integration tests start real nodes (bcoin regtest, anvil) and the
 * built daemon; e2e tests drive the web UI in Debian's Chromium. `npm test` builds first. */
// @noble/* and @scure/* (under @bitcoinerlab/secp256k1 and ccxt) ship ES modules only: jest transforms them.
const transform = { '^.+\\.(ts|js)$': ['@swc/jest', { jsc: { target: 'es2022' } }] };
const common = {
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns: ['/node_modules/(?!(?:ccxt/node_modules/)?@(?:noble|scure)/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  // src uses `import('./x.js')` for lazy loads (nodenext); in tests that is the .ts file.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
  ],
  testTimeout: 60000,
};
