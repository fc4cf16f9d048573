import { SpineError } from '../../fhir/operation-outcome.js';
import { SYSTEM } from '../../fhir/profiles.js';
import { practitionerToFhir, searchset } from '../../fhir/resources.js';
import { readIdentifierParam } from '../../fhir/search-params.js';
import type { FhirCall, FhirResult } from '../fhir-types.js';

/** GET /Practitioner?identifier=https://fhir.nhs.uk/Id/sds-user-id|{id}: no match is an empty searchset. */
export function searchPractitioners(call: FhirCall): FhirResult {
  const { value } = readIdentifierParam(call.query, 'Practitioner', [SYSTEM.sdsUserId], 'G83251809');
  const found = call.core.seed.practitioners.filter((p) => p.sdsUserId === value);
  return { status: 200, resource: searchset(found.map(practitionerToFhir)) };
}

/** GET /Practitioner/{id}: unknown → 404 PRACTITIONER_NOT_FOUND (digest §1.4). */
export function readPractitioner(call: FhirCall): FhirResult {
  const id = call.params[0]!;
  const practitioner = call.core.directory.practitioners.get(id);
  if (!practitioner) {
    throw new SpineError(
      'PRACTITIONER_NOT_FOUND',
      `Practitioner/${id} does not exist in this sandbox: find it by SDS user id (GET /Practitioner?identifier=${SYSTEM.sdsUserId}|{id}) and use its id`,
    );
  }
  return { status: 200, resource: practitionerToFhir(practitioner) };
}
