import type { Profile } from '../profiles/index.js';
import { OPERATION_OUTCOME_PROFILE } from './operation-outcome.js';
import { PROFILE_URL, SYSTEM } from './profiles.js';
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
  const searchIdentifier = (documentation: string) => [{ name: 'identifier', type: 'token', documentation }];
  const read = { code: 'read' };
  const searchType = { code: 'search-type' };
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
        security: { cors: true },
        resource: [
          {
            type: 'Patient',
            profile: { reference: PROFILE_URL.patient },
            interaction: [read, searchType],
            searchParam: searchIdentifier(`NHS Number (i.e. ${SYSTEM.nhsNumber}|9990000018)`),
          },
          {
            type: 'Organization',
            profile: { reference: PROFILE_URL.organization },
            interaction: [read, searchType],
            searchParam: searchIdentifier(`ODS Code (i.e. ${SYSTEM.odsCode}|Y75110)`),
          },
          {
            type: 'Practitioner',
            profile: { reference: PROFILE_URL.practitioner },
            interaction: [read, searchType],
            searchParam: searchIdentifier(`SDS User Id (i.e. ${SYSTEM.sdsUserId}|G83251809)`),
          },
          { type: 'Location', profile: { reference: PROFILE_URL.location }, interaction: [read] },
          {
            type: 'Appointment',
            profile: { reference: profile.appointmentProfile },
            documentation:
              'update is amend (rest:update:appointment-1) or cancel (rest:cancel:appointment-1), told apart by Ssp-InteractionID; search is GET /Patient/{id}/Appointment',
            interaction: [read, { code: 'create' }, { code: 'update' }, searchType],
            versioning: 'versioned-update',
            updateCreate: false,
            searchParam: [
              {
                name: 'start',
                type: 'date',
                documentation: 'Exactly two: start=ge{yyyy-mm-dd}&start=le{yyyy-mm-dd}, neither in the past',
              },
            ],
          },
          {
            type: 'Slot',
            profile: { reference: PROFILE_URL.slot },
            interaction: [searchType],
            searchInclude: [
              'Schedule:actor:Location',
              'Schedule:actor:Practitioner',
              'Slot:schedule',
              'Location:managingOrganization',
            ],
            searchParam: [
              {
                name: 'start',
                type: 'date',
                documentation: 'ge{date} or ge{dateTime with offset}; at most 14 days before end',
              },
              {
                name: 'end',
                type: 'date',
                documentation: 'le{date} (the whole date) or le{dateTime with offset}',
              },
              { name: 'status', type: 'token', documentation: 'free' },
              {
                name: 'searchFilter',
                type: 'token',
                documentation: `${SYSTEM.organisationType}|{gp-practice|urgent-care} and/or ${SYSTEM.odsCode}|{ODS code}`,
              },
            ],
          },
        ],
      },
    ],
  };
}
