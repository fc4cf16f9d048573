// Jest config of the CommonJS consumer fixture (run by test/e2e/jest-cjs.test.ts from a copy of
// this folder): only *.jest.cjs files, never the repository's vitest files, and no transform, so
// the CommonJS files run as a consumer's would.
module.exports = {
  rootDir: __dirname,
  roots: ['<rootDir>'],
  testMatch: ['**/*.jest.cjs'],
  testEnvironment: 'node',
  transform: {},
};
