import { SpineError } from '../../fhir/operation-outcome.js';
import { SYSTEM } from '../../fhir/profiles.js';
import { organizationToFhir, searchset } from '../../fhir/resources.js';
import { readIdentifierParam } from '../../fhir/search-params.js';
import type { FhirCall, FhirResult } from '../fhir-types.js';

/** The DSTU2 ODS system, still accepted by the reference provider (digest §1.4). */
const LEGACY_ODS_SYSTEM = 'http://fhir.nhs.net/Id/ods-organization-code';

/** GET /Organization?identifier=https://fhir.nhs.uk/Id/ods-organization-code|{ods}: no match is an empty searchset. */
export function searchOrganizations(call: FhirCall): FhirResult {
  const { value } = readIdentifierParam(
    call.query,
    'Organization',
    [SYSTEM.odsCode, LEGACY_ODS_SYSTEM],
    'Y75110',
  );
  const found = call.core.seed.organizations.filter((o) => o.odsCode === value);
  return { status: 200, resource: searchset(found.map(organizationToFhir)) };
}

/** GET /Organization/{id}: unknown → 404 ORGANISATION_NOT_FOUND (PTS OrganizationRead.feature). */
export function readOrganization(call: FhirCall): FhirResult {
  const id = call.params[0]!;
  const organization = call.core.directory.organizations.get(id);
  if (!organization) {
    throw new SpineError(
      'ORGANISATION_NOT_FOUND',
      `Organization/${id} does not exist in this sandbox: find it by ODS code (GET /Organization?identifier=${SYSTEM.odsCode}|{odsCode}) and use its id`,
    );
  }
  return { status: 200, resource: organizationToFhir(organization) };
}
