/**
 * The GP Connect interactions this provider serves: Ssp-InteractionID, HTTP method, path and the
 * JWT requested_scope each needs. Digest §1.2 (GPC@1.2.7 integration_interaction_ids.md, scopes from
 * integration_cross_organisation_audit_and_provenance.md §requested_scope).
 */

export const INTERACTION_PREFIX = 'urn:nhs:names:services:gpconnect:fhir:';

export const SCOPES = [
  'patient/*.read',
  'patient/*.write',
  'organization/*.read',
  'organization/*.write',
] as const;
export type Scope = (typeof SCOPES)[number];

export type InteractionMethod = 'GET' | 'POST' | 'PUT';

export interface Interaction {
  /** The full URN sent in Ssp-InteractionID. */
  id: string;
  /** The URN after `…:gpconnect:fhir:`, e.g. `rest:create:appointment-1`. */
  name: string;
  /** What the consumer is doing, as the spec's use-case pages name it. */
  operation: string;
  method: InteractionMethod;
  /** Path pattern relative to the FHIR base path; `{id}` stands for one path segment. */
  path: string;
  scope: Scope;
}

type Row = readonly [name: string, method: InteractionMethod, path: string, scope: Scope, operation: string];

// biome-ignore format: one row per interaction reads as the digest's table
const TABLE: readonly Row[] = [
  ['rest:read:metadata-1',               'GET',  '/metadata',                     'organization/*.read', 'get the capability statement'],
  ['rest:search:patient-1',              'GET',  '/Patient',                      'patient/*.read',      'find a patient'],
  ['rest:read:patient-1',                'GET',  '/Patient/{id}',                 'patient/*.read',      'read a patient'],
  ['operation:gpc.registerpatient-1',    'POST', '/Patient/$gpc.registerpatient', 'patient/*.write',     'register a patient'],
  ['rest:search:organization-1',         'GET',  '/Organization',                 'organization/*.read', 'find an organisation'],
  ['rest:read:organization-1',           'GET',  '/Organization/{id}',            'organization/*.read', 'read an organisation'],
  ['rest:search:practitioner-1',         'GET',  '/Practitioner',                 'organization/*.read', 'find a practitioner'],
  ['rest:read:practitioner-1',           'GET',  '/Practitioner/{id}',            'organization/*.read', 'read a practitioner'],
  ['rest:read:location-1',               'GET',  '/Location/{id}',                'organization/*.read', 'read a location'],
  ['rest:search:slot-1',                 'GET',  '/Slot',                         'organization/*.read', 'search for free slots'],
  ['rest:create:appointment-1',          'POST', '/Appointment',                  'patient/*.write',     'book an appointment'],
  ['rest:read:appointment-1',            'GET',  '/Appointment/{id}',             'patient/*.read',      'read an appointment'],
  ['rest:update:appointment-1',          'PUT',  '/Appointment/{id}',             'patient/*.write',     'amend an appointment'],
  ['rest:cancel:appointment-1',          'PUT',  '/Appointment/{id}',             'patient/*.write',     'cancel an appointment'],
  ['rest:search:patient_appointments-1', 'GET',  '/Patient/{id}/Appointment',     'patient/*.read',      "retrieve a patient's appointments"],
];

export const INTERACTIONS: readonly Interaction[] = TABLE.map(([name, method, path, scope, operation]) => ({
  id: INTERACTION_PREFIX + name,
  name,
  operation,
  method,
  path,
  scope,
}));

// Every accepted spelling → interaction, built once: the URN, `rest:create:appointment-1` and
// `create:appointment-1` (PRODUCT.md, `headers INTERACTION`).
const BY_NAME = new Map<string, Interaction>();
for (const i of INTERACTIONS) {
  BY_NAME.set(i.id, i);
  BY_NAME.set(i.name, i);
  BY_NAME.set(i.name.replace(/^(rest|operation):/, ''), i);
}

/** The interaction named by its URN, `rest:create:appointment-1` or `create:appointment-1`. */
export function resolveInteraction(nameOrUrn: string): Interaction | undefined {
  return BY_NAME.get(nameOrUrn);
}

// Path patterns split once; a request path is compared segment by segment.
const PATTERNS = INTERACTIONS.map((i) => ({ interaction: i, segments: i.path.split('/') }));

function pathMatches(segments: readonly string[], path: string): boolean {
  const parts = path.split('/');
  if (parts.length !== segments.length) return false;
  for (let k = 0; k < parts.length; k++) {
    const want = segments[k];
    const got = parts[k] as string;
    if (want === '{id}' ? got === '' : want !== got) return false;
  }
  return true;
}

function stripQuery(path: string): string {
  const q = path.indexOf('?');
  return q === -1 ? path : path.slice(0, q);
}

/**
 * The interactions that serve `method path` (path relative to the base, case-sensitive, no trailing
 * slash; a query string is ignored). Usually one; PUT /Appointment/{id} has two (amend and cancel),
 * told apart only by Ssp-InteractionID (digest §0.6).
 */
export function interactionsFor(method: string, path: string): Interaction[] {
  const p = stripQuery(path);
  const m = method.toUpperCase();
  return PATTERNS.filter((x) => x.interaction.method === m && pathMatches(x.segments, p)).map(
    (x) => x.interaction,
  );
}

/** Whether `interaction` serves `method path`. */
export function interactionMatches(interaction: Interaction, method: string, path: string): boolean {
  return interactionsFor(method, path).includes(interaction);
}
