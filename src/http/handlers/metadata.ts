import { createRequire } from 'node:module';
import { capabilityStatement } from '../../fhir/capability.js';
import type { FhirResource } from '../../fhir/resources.js';
import type { FhirCall, FhirResult } from '../fhir-types.js';

const pkg = createRequire(import.meta.url)('../../../package.json') as { name: string; version: string };
const cache = new WeakMap<object, FhirResource>();

export function getMetadata({ core }: FhirCall): FhirResult {
  let statement = cache.get(core);
  if (!statement) {
    statement = capabilityStatement(core.profile, { name: pkg.name, version: pkg.version }, '2026-11-25', {
      cors: core.config.cors,
    });
    cache.set(core, statement);
  }
  return { status: 200, resource: statement };
}
