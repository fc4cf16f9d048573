import { afterEach, expect } from 'vitest';
import { findings } from './fhir-json-guard.js';

// vitest setupFiles: every test fails when a FHIR JSON response it caused (through
// test/helpers/sandbox.ts) held an empty array, object or string, or a null.
afterEach(() => {
  const found = findings.splice(0);
  expect(found, 'FHIR JSON responses with empty values').toEqual([]);
});
