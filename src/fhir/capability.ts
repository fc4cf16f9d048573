import type { Profile } from '../profiles/index.js';
import { OPERATION_OUTCOME_PROFILE } from './operation-outcome.js';
import { type CapabilityEntry, SERVED_OPERATIONS, type SearchParamDef } from './operations.js';
import { PROFILE_URL } from './profiles.js';
import type { FhirResource } from './resources.js';

/** What the statement says about the server besides its operations. */
export interface CapabilityOptions {
  /** rest.security.cors: whether CORS headers are served (`--cors`). */
  cors: boolean;
}

type ResourceEntry = {
  type: string;
  profile: { reference: string };
  documentation?: string;
  interaction: Array<{ code: string }>;
  versioning?: string;
  updateCreate?: boolean;
  searchInclude?: string[];
  searchParam?: Array<{ name: string; type: string; documentation: string }>;
};

/** Interactions in the 1.2.7 template's order. */
const CODE_ORDER = ['read', 'vread', 'create', 'update', 'search-type'];

/**
 * The CapabilityStatement for a profile, after the GP Connect 1.2.7 template (digest §1.2), derived
 * from the served rows of the operations table (fhir/operations.ts): each resource with exactly the
 * interactions, search parameters and includes that are served, so it cannot promise what is not.
 */
export function capabilityStatement(
  profile: Profile,
  software: { name: string; version: string },
  date: string,
  options: CapabilityOptions,
): FhirResource {
  const profileOf: Record<string, string> = {
    Patient: PROFILE_URL.patient,
    Organization: PROFILE_URL.organization,
    Practitioner: PROFILE_URL.practitioner,
    Location: PROFILE_URL.location,
    Appointment: profile.appointmentProfile,
    Slot: PROFILE_URL.slot,
  };
  const resources = new Map<string, ResourceEntry>();
  const compartments = new Set<string>();
  const operations: Array<{ name: string; definition: { reference: string } }> = [];
  for (const op of SERVED_OPERATIONS) {
    const cap = ('capability' in op ? op.capability : undefined) as CapabilityEntry | undefined;
    if (!cap) continue;
    const profileUrl = profileOf[cap.resource];
    if (!profileUrl) throw new Error(`no profile for ${cap.resource} in the CapabilityStatement`);
    let entry = resources.get(cap.resource);
    if (!entry) {
      entry = { type: cap.resource, profile: { reference: profileUrl }, interaction: [] };
      resources.set(cap.resource, entry);
    }
    const params = ('searchParams' in op ? op.searchParams : undefined) as
      | readonly SearchParamDef[]
      | undefined;
    if ('code' in cap) {
      if (!entry.interaction.some((i) => i.code === cap.code)) entry.interaction.push({ code: cap.code });
      if (cap.code === 'update') {
        entry.versioning = 'versioned-update';
        entry.updateCreate = false;
      }
      if (cap.code === 'search-type') {
        if ('searchIncludes' in op) entry.searchInclude = [...op.searchIncludes];
        if (params) entry.searchParam = params.map((p) => ({ ...p }));
      }
    } else if ('compartment' in cap) {
      compartments.add(cap.compartment);
      const query = params?.map((p) => `${p.name} (${p.documentation})`).join(', ');
      entry.documentation = [
        entry.documentation,
        `${op.summary}: ${op.method} ${op.path}${query ? ` with ${query}` : ''} (the ${cap.compartment} compartment; ${op.interaction})`,
      ]
        .filter(Boolean)
        .join('. ');
    } else {
      operations.push({
        name: cap.operation,
        definition: { reference: `OperationDefinition/${cap.operation}` },
      });
    }
  }
  for (const entry of resources.values()) {
    entry.interaction.sort((a, b) => CODE_ORDER.indexOf(a.code) - CODE_ORDER.indexOf(b.code));
  }
  const appointment = resources.get('Appointment');
  if (appointment?.interaction.some((i) => i.code === 'update')) {
    appointment.documentation = [
      'update is amend (rest:update:appointment-1) or cancel (rest:cancel:appointment-1), told apart by Ssp-InteractionID',
      appointment.documentation,
    ]
      .filter(Boolean)
      .join('. ');
  }
  return {
    resourceType: 'CapabilityStatement',
    version: profile.version,
    name: `${software.name} (${profile.name})`,
    status: 'active',
    date,
    publisher: 'gpconnect-sandbox',
    contact: [{ name: 'gpconnect-sandbox' }],
    description: `A mock GP Connect provider emulating the ${profile.name} profile; not a clinical system.`,
    // As the 1.2.7 template: a statement of the software's capability (cpb-15: software, no implementation).
    kind: 'capability',
    software: { name: software.name, version: software.version },
    fhirVersion: '3.0.1',
    acceptUnknown: 'both',
    format: ['application/fhir+json', 'application/fhir+xml'],
    profile: [
      { reference: PROFILE_URL.patient },
      { reference: PROFILE_URL.organization },
      { reference: PROFILE_URL.practitioner },
      { reference: PROFILE_URL.location },
      { reference: OPERATION_OUTCOME_PROFILE },
      { reference: profile.appointmentProfile },
      { reference: PROFILE_URL.schedule },
      { reference: PROFILE_URL.slot },
      { reference: PROFILE_URL.searchsetBundle },
    ],
    rest: [
      {
        mode: 'server',
        security: { cors: options.cors },
        resource: [...resources.values()],
        ...(compartments.size > 0
          ? {
              compartment: [...compartments].map(
                (c) => `http://hl7.org/fhir/CompartmentDefinition/${c.toLowerCase()}`,
              ),
            }
          : {}),
        ...(operations.length > 0 ? { operation: operations } : {}),
      },
    ],
  };
}
