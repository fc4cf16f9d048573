import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The README's CI-fixture example runs as part of the suite.
    globalSetup: ['test/examples/global-setup.ts'],
    // Fails any test whose FHIR JSON responses hold empty values (issue 14).
    setupFiles: ['test/helpers/fhir-json-setup.ts'],
  },
});
