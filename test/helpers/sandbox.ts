import request from 'supertest';
import { buildEnvelope } from '../../src/auth/build-headers.js';
import { createSandbox, type SandboxOptions } from '../../src/index.js';
import { coreOf, type SandboxCore } from '../../src/testing.js';
import { guardFhirJson } from './fhir-json-guard.js';

export type TestSandbox = ReturnType<typeof createSandbox> & {
  /** supertest agent bound to the app */
  http: ReturnType<typeof request>;
  /** The internals behind it (src/testing.ts), for assertions the public API does not offer. */
  core: SandboxCore;
};

/** A sandbox for supertest: in memory, quiet, the sandbox clock frozen unless told otherwise. */
export function testSandbox(options: SandboxOptions = {}): TestSandbox {
  const created = createSandbox({ clock: '2026-06-01T08:00:00+01:00', ...options });
  // Every FHIR JSON response is checked for empty values (test/helpers/fhir-json-guard.ts).
  return Object.assign(created, { http: request(guardFhirJson(created.app)), core: coreOf(created) });
}

/** A valid GP Connect envelope for an interaction, as a consumer would send it. */
export function envelope(interaction: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...buildEnvelope(interaction), ...extra };
}
