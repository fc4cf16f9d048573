import type { Application } from '../../application/application.js';
import type { Location, Organization, Practitioner } from '../../domain/model.js';
import { type SpineCode, SpineError } from '../../fhir/operation-outcome.js';
import { SYSTEM } from '../../fhir/profiles.js';
import {
  type FhirResource,
  locationToFhir,
  organizationToFhir,
  practitionerToFhir,
  searchset,
} from '../../fhir/resources.js';
import { readIdentifierParam } from '../../fhir/search-params.js';
import type { FhirCall, FhirHandler } from '../fhir-types.js';

/**
 * A resource type served straight from the seed (Location, Organization, Practitioner): one row
 * that `readSeeded` (GET /{type}/{id}) and `searchSeeded` (GET /{type}?identifier=…) read.
 */
interface SeededType<T> {
  resourceType: string;
  /** The seed's index of this type by id. */
  byId: (core: Application) => ReadonlyMap<string, T>;
  toFhir: (item: T) => FhirResource;
  /**
   * The 404 an unknown id gets: the Spine code the spec gives the type, and how to find a real id
   * (the diagnostics read `{type}/{id} does not exist in this sandbox: {how}`).
   */
  notFound: [code: SpineCode, how: string];
}

/**
 * GET /{type}?identifier={system}|{value}: the systems accepted (the spec's first), an example
 * value for the 400 a bad identifier gets, every seeded resource, and the identifier compared.
 */
interface SeededSearch<T> {
  systems: readonly string[];
  example: string;
  all: (core: Application) => readonly T[];
  identifier: (item: T) => string;
}

/** The DSTU2 ODS system, still accepted by the reference provider (digest §1.4). */
const LEGACY_ODS_SYSTEM = 'http://fhir.nhs.net/Id/ods-organization-code';

/** Unknown → 404 NO_RECORD_FOUND, the catch-all not-found code (digest §1.4). */
const LOCATION: SeededType<Location> = {
  resourceType: 'Location',
  byId: (core) => core.directory.locations,
  toFhir: locationToFhir,
  notFound: [
    'NO_RECORD_FOUND',
    'locations come from a slot search (_include:recurse=Schedule:actor:Location)',
  ],
};

/** Unknown → 404 ORGANISATION_NOT_FOUND (PTS OrganizationRead.feature). */
const ORGANIZATION: SeededType<Organization> = {
  resourceType: 'Organization',
  byId: (core) => core.directory.organizations,
  toFhir: organizationToFhir,
  notFound: [
    'ORGANISATION_NOT_FOUND',
    `find it by ODS code (GET /Organization?identifier=${SYSTEM.odsCode}|{odsCode}) and use its id`,
  ],
};

/** Unknown → 404 PRACTITIONER_NOT_FOUND (digest §1.4). */
const PRACTITIONER: SeededType<Practitioner> = {
  resourceType: 'Practitioner',
  byId: (core) => core.directory.practitioners,
  toFhir: practitionerToFhir,
  notFound: [
    'PRACTITIONER_NOT_FOUND',
    `find it by SDS user id (GET /Practitioner?identifier=${SYSTEM.sdsUserId}|{id}) and use its id`,
  ],
};

/** GET /{type}/{id}: the seeded resource as FHIR, 200; an unknown id throws the type's 404 SpineError. */
function readSeeded<T>(type: SeededType<T>): FhirHandler {
  return (call: FhirCall) => {
    const id = call.params[0]!;
    const item = type.byId(call.core).get(id);
    if (item === undefined) {
      const [code, how] = type.notFound;
      throw new SpineError(code, `${type.resourceType}/${id} does not exist in this sandbox: ${how}`);
    }
    return { status: 200, resource: type.toFhir(item) };
  };
}

/**
 * GET /{type}?identifier={system}|{value}: a searchset of the seeded resources with that
 * identifier (no match is an empty searchset, 200); a missing or malformed identifier is 400
 * BAD_REQUEST naming the spec's form (readIdentifierParam).
 */
function searchSeeded<T>(type: SeededType<T>, search: SeededSearch<T>): FhirHandler {
  return (call: FhirCall) => {
    const { value } = readIdentifierParam(call.query, type.resourceType, search.systems, search.example);
    const found = search.all(call.core).filter((item) => search.identifier(item) === value);
    return { status: 200, resource: searchset(found.map(type.toFhir)) };
  };
}

/** GET /Location/{id}. */
export const readLocation = readSeeded(LOCATION);
/** GET /Organization/{id}. */
export const readOrganization = readSeeded(ORGANIZATION);
/** GET /Organization?identifier=https://fhir.nhs.uk/Id/ods-organization-code|{ods} (the DSTU2 system too). */
export const searchOrganizations = searchSeeded(ORGANIZATION, {
  systems: [SYSTEM.odsCode, LEGACY_ODS_SYSTEM],
  example: 'Y75110',
  all: (core) => core.seed.organizations,
  identifier: (o) => o.odsCode,
});
/** GET /Practitioner/{id}. */
export const readPractitioner = readSeeded(PRACTITIONER);
/** GET /Practitioner?identifier=https://fhir.nhs.uk/Id/sds-user-id|{id}. */
export const searchPractitioners = searchSeeded(PRACTITIONER, {
  systems: [SYSTEM.sdsUserId],
  example: 'G83251809',
  all: (core) => core.seed.practitioners,
  identifier: (p) => p.sdsUserId,
});
