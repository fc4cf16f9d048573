/**
 * The one table of FHIR operations this provider knows: GP Connect interaction, HTTP method and
 * path, JWT requested_scope, summary, and how the CapabilityStatement lists it. The router
 * (http/fhir-routes.ts binds a handler to each served row), the envelope's interaction and scope
 * check (auth/interactions.ts), `gpc-sandbox headers`, the fault `interaction` matcher and the
 * CapabilityStatement (fhir/capability.ts) are all derived from it, so none can drift from another.
 *
 * Interactions, methods, paths and scopes: GP Connect 1.2.7 integration_interaction_ids.md and
 * integration_cross_organisation_audit_and_provenance.md (requested_scope).
 */
import { SYSTEM } from './profiles.js';

export const INTERACTION_PREFIX = 'urn:nhs:names:services:gpconnect:fhir:';

export const SCOPES = [
  'patient/*.read',
  'patient/*.write',
  'organization/*.read',
  'organization/*.write',
] as const;
export type Scope = (typeof SCOPES)[number];

export type OperationMethod = 'GET' | 'POST' | 'PUT';

/** A CapabilityStatement.rest.resource.searchParam. */
export interface SearchParamDef {
  name: string;
  type: 'token' | 'date' | 'string' | 'reference';
  documentation: string;
}

/**
 * How the CapabilityStatement lists an operation: an interaction on a resource type, a search in
 * the Patient compartment (`GET /Patient/{id}/Appointment`), or a named operation. Absent for
 * `GET /metadata`, which is the statement itself.
 */
export type CapabilityEntry =
  | { resource: string; code: 'read' | 'vread' | 'search-type' | 'create' | 'update' }
  | { resource: string; compartment: 'Patient' }
  | { resource: string; operation: string };

export interface OperationDef {
  /** Unique key of the row; http/fhir-routes.ts binds handlers by it. */
  key: string;
  /** The Ssp-InteractionID after `…:gpconnect:fhir:`, e.g. `rest:create:appointment-1`. */
  interaction: string;
  method: OperationMethod;
  /** Relative to the FHIR base path; `{id}` and `{vid}` stand for one path segment each. */
  path: string;
  scope: Scope;
  /** What the consumer is doing, as the spec's use-case pages name it. */
  summary: string;
  capability?: CapabilityEntry;
  searchParams?: readonly SearchParamDef[];
  searchIncludes?: readonly string[];
  /** False for an interaction GP Connect defines but this provider does not serve. */
  served: boolean;
}

const identifier = (documentation: string): SearchParamDef[] => [
  { name: 'identifier', type: 'token', documentation },
];

// biome-ignore format: one row per operation reads as the spec's interaction table
export const OPERATIONS = [
  { key: 'metadata', interaction: 'rest:read:metadata-1', method: 'GET', path: '/metadata', scope: 'organization/*.read', summary: 'get the capability statement', served: true },
  { key: 'patient.search', interaction: 'rest:search:patient-1', method: 'GET', path: '/Patient', scope: 'patient/*.read', summary: 'find a patient', served: true,
    capability: { resource: 'Patient', code: 'search-type' }, searchParams: identifier(`NHS Number (i.e. ${SYSTEM.nhsNumber}|9990000018)`) },
  { key: 'patient.read', interaction: 'rest:read:patient-1', method: 'GET', path: '/Patient/{id}', scope: 'patient/*.read', summary: 'read a patient', served: true,
    capability: { resource: 'Patient', code: 'read' } },
  { key: 'patient.register', interaction: 'operation:gpc.registerpatient-1', method: 'POST', path: '/Patient/$gpc.registerpatient', scope: 'patient/*.write', summary: 'register a patient', served: false,
    capability: { resource: 'Patient', operation: 'gpc.registerpatient' } },
  { key: 'organization.search', interaction: 'rest:search:organization-1', method: 'GET', path: '/Organization', scope: 'organization/*.read', summary: 'find an organisation', served: true,
    capability: { resource: 'Organization', code: 'search-type' }, searchParams: identifier(`ODS Code (i.e. ${SYSTEM.odsCode}|Y75110)`) },
  { key: 'organization.read', interaction: 'rest:read:organization-1', method: 'GET', path: '/Organization/{id}', scope: 'organization/*.read', summary: 'read an organisation', served: true,
    capability: { resource: 'Organization', code: 'read' } },
  { key: 'practitioner.search', interaction: 'rest:search:practitioner-1', method: 'GET', path: '/Practitioner', scope: 'organization/*.read', summary: 'find a practitioner', served: true,
    capability: { resource: 'Practitioner', code: 'search-type' }, searchParams: identifier(`SDS User Id (i.e. ${SYSTEM.sdsUserId}|G83251809)`) },
  { key: 'practitioner.read', interaction: 'rest:read:practitioner-1', method: 'GET', path: '/Practitioner/{id}', scope: 'organization/*.read', summary: 'read a practitioner', served: true,
    capability: { resource: 'Practitioner', code: 'read' } },
  { key: 'location.read', interaction: 'rest:read:location-1', method: 'GET', path: '/Location/{id}', scope: 'organization/*.read', summary: 'read a location', served: true,
    capability: { resource: 'Location', code: 'read' } },
  { key: 'slot.search', interaction: 'rest:search:slot-1', method: 'GET', path: '/Slot', scope: 'organization/*.read', summary: 'search for free slots', served: true,
    capability: { resource: 'Slot', code: 'search-type' },
    searchIncludes: ['Schedule:actor:Location', 'Schedule:actor:Practitioner', 'Slot:schedule', 'Location:managingOrganization'],
    searchParams: [
      { name: 'start', type: 'date', documentation: 'ge{date} or ge{dateTime with offset}; at most 14 days before end' },
      { name: 'end', type: 'date', documentation: 'le{date} (the whole date) or le{dateTime with offset}' },
      { name: 'status', type: 'token', documentation: 'free' },
      { name: 'searchFilter', type: 'token', documentation: `${SYSTEM.organisationType}|{gp-practice|urgent-care} and/or ${SYSTEM.odsCode}|{ODS code}` },
    ] },
  { key: 'appointment.create', interaction: 'rest:create:appointment-1', method: 'POST', path: '/Appointment', scope: 'patient/*.write', summary: 'book an appointment', served: true,
    capability: { resource: 'Appointment', code: 'create' } },
  { key: 'appointment.read', interaction: 'rest:read:appointment-1', method: 'GET', path: '/Appointment/{id}', scope: 'patient/*.read', summary: 'read an appointment', served: true,
    capability: { resource: 'Appointment', code: 'read' } },
  // Where create and amend's Location header points (FHIR STU3 http.html#vread); consumers follow it
  // with the read interaction.
  { key: 'appointment.vread', interaction: 'rest:read:appointment-1', method: 'GET', path: '/Appointment/{id}/_history/{vid}', scope: 'patient/*.read', summary: 'read a version of an appointment', served: true,
    capability: { resource: 'Appointment', code: 'vread' } },
  { key: 'appointment.amend', interaction: 'rest:update:appointment-1', method: 'PUT', path: '/Appointment/{id}', scope: 'patient/*.write', summary: 'amend an appointment', served: true,
    capability: { resource: 'Appointment', code: 'update' } },
  { key: 'appointment.cancel', interaction: 'rest:cancel:appointment-1', method: 'PUT', path: '/Appointment/{id}', scope: 'patient/*.write', summary: 'cancel an appointment', served: true,
    capability: { resource: 'Appointment', code: 'update' } },
  { key: 'appointment.retrieve', interaction: 'rest:search:patient_appointments-1', method: 'GET', path: '/Patient/{id}/Appointment', scope: 'patient/*.read', summary: "retrieve a patient's appointments", served: true,
    capability: { resource: 'Appointment', compartment: 'Patient' },
    searchParams: [
      { name: 'start', type: 'date', documentation: 'Exactly two: start=ge{yyyy-mm-dd}&start=le{yyyy-mm-dd}, neither in the past' },
    ] },
] as const satisfies readonly OperationDef[];

export type Operation = (typeof OPERATIONS)[number];
/** The rows this provider serves; each needs a handler. */
export type ServedOperation = Extract<Operation, { served: true }>;
export type ServedOperationKey = ServedOperation['key'];

/** The served rows, in table order. */
export const SERVED_OPERATIONS = OPERATIONS.filter((op): op is ServedOperation => op.served);

/**
 * `urn:…:fhir:rest:create:appointment-1`, `rest:create:appointment-1` and `create:appointment-1`
 * to one key (`create:appointment-1`), for interactions in this table and for any other GP Connect
 * interaction (a fault rule may name one this provider does not serve, e.g. HealthcareService).
 */
export function interactionKey(idOrName: string): string {
  const tail = idOrName.startsWith(INTERACTION_PREFIX) ? idOrName.slice(INTERACTION_PREFIX.length) : idOrName;
  return tail.replace(/^(rest|operation):/, '');
}

// Path patterns split once; a request path is compared segment by segment.
const SEGMENTS = new Map<string, readonly string[]>(OPERATIONS.map((op) => [op.path, op.path.split('/')]));

/**
 * Whether `path` (relative to the base path, no query) fits `template`: case-sensitive, no
 * trailing slash, a `{…}` parameter is one non-empty segment.
 */
export function pathFits(template: string, path: string): boolean {
  return segmentsFit(SEGMENTS.get(template) ?? template.split('/'), path.split('/'));
}

function segmentsFit(want: readonly string[], got: readonly string[]): boolean {
  if (got.length !== want.length) return false;
  for (let k = 0; k < got.length; k++) {
    const w = want[k]!;
    const g = got[k]!;
    if (w.startsWith('{') ? g === '' : w !== g) return false;
  }
  return true;
}

/** The rows whose path fits `path` (any method; a query string is ignored), in table order. */
export function operationsOnPath(path: string): Operation[] {
  const q = path.indexOf('?');
  const got = (q === -1 ? path : path.slice(0, q)).split('/');
  return OPERATIONS.filter((op) => segmentsFit(SEGMENTS.get(op.path)!, got));
}
