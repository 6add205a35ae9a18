/**
 * Jest runs the TypeScript sources through ts-jest (CommonJS), file by file (isolatedModules:
 * `npm test` type-checks the whole project with tsc first). `jose` ships ES modules only, so
 * it is the one dependency jest must transform too.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(ts|js)$': ['ts-jest', { tsconfig: { allowJs: true, isolatedModules: true }, diagnostics: false }],
  },
  // nodenext needs `.js` on relative imports; jest resolves the .ts sources.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  setupFiles: ['reflect-metadata'],
  testTimeout: 20000,
};
