import { SpineError } from '../../fhir/operation-outcome.js';
import { locationToFhir } from '../../fhir/resources.js';
import type { FhirCall, FhirResult } from '../fhir-types.js';

/** GET /Location/{id}: unknown → 404 NO_RECORD_FOUND, the catch-all not-found code (digest §1.4). */
export function readLocation(call: FhirCall): FhirResult {
  const id = call.params[0]!;
  const location = call.core.directory.locations.get(id);
  if (!location) {
    throw new SpineError(
      'NO_RECORD_FOUND',
      `Location/${id} does not exist in this sandbox: locations come from a slot search (_include:recurse=Schedule:actor:Location)`,
    );
  }
  return { status: 200, resource: locationToFhir(location) };
}
