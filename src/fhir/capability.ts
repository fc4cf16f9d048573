import type { Profile } from '../profiles/index.js';
import { PROFILE_URL } from './profiles.js';
import type { FhirResource } from './resources.js';

/**
 * The CapabilityStatement for a profile, after the GP Connect 1.2.7 template (digest §1.2):
 * every resource with its interactions, search params and includes.
 */
export function capabilityStatement(
  profile: Profile,
  software: { name: string; version: string },
  date: string,
): FhirResource {
  const searchIdentifier = [{ name: 'identifier', type: 'token' }];
  return {
    resourceType: 'CapabilityStatement',
    version: profile.version,
    name: `${software.name} (${profile.name})`,
    status: 'active',
    date,
    publisher: 'gpconnect-sandbox',
    description: `A mock GP Connect provider emulating the ${profile.name} profile; not a clinical system.`,
    kind: 'instance',
    software: { name: software.name, version: software.version },
    fhirVersion: '3.0.1',
    acceptUnknown: 'both',
    format: ['application/fhir+json', 'application/fhir+xml'],
    profile: [
      { reference: profile.appointmentProfile },
      { reference: PROFILE_URL.slot },
      { reference: PROFILE_URL.schedule },
      { reference: PROFILE_URL.patient },
      { reference: PROFILE_URL.practitioner },
      { reference: PROFILE_URL.organization },
      { reference: PROFILE_URL.location },
      { reference: 'https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-OperationOutcome-1' },
    ],
    rest: [
      {
        mode: 'server',
        security: { cors: true },
        resource: [
          {
            type: 'Patient',
            interaction: [{ code: 'read' }, { code: 'search-type' }],
            searchParam: searchIdentifier,
          },
          {
            type: 'Organization',
            interaction: [{ code: 'read' }, { code: 'search-type' }],
            searchParam: searchIdentifier,
          },
          {
            type: 'Practitioner',
            interaction: [{ code: 'read' }, { code: 'search-type' }],
            searchParam: searchIdentifier,
          },
          { type: 'Location', interaction: [{ code: 'read' }] },
          {
            type: 'Appointment',
            interaction: [{ code: 'read' }, { code: 'create' }, { code: 'update' }, { code: 'search-type' }],
            updateCreate: false,
            searchParam: [{ name: 'start', type: 'date' }],
          },
          {
            type: 'Slot',
            interaction: [{ code: 'search-type' }],
            searchInclude: [
              'Slot:schedule',
              'Schedule:actor:Practitioner',
              'Schedule:actor:Location',
              'Location:managingOrganization',
            ],
            searchParam: [
              { name: 'start', type: 'date' },
              { name: 'end', type: 'date' },
              { name: 'status', type: 'token' },
              { name: 'searchFilter', type: 'token' },
            ],
          },
        ],
      },
    ],
  };
}
