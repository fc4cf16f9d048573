import type { Profile } from './profile.js';

/**
 * The seed page: CareConnect-Appointment-1, 422 when a slot is no longer free, and only the seed
 * page's three rules on a booking (a Patient participant, status booked, at least one slot).
 */
export const careconnect: Profile<'careconnect'> = {
  name: 'careconnect',
  version: 'careconnect',
  appointmentProfile: 'https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-Appointment-1',
  statusOverrides: { DUPLICATE_REJECTED: 422 },
  requestContentTypes: ['application/fhir+json', 'application/json', 'application/fhir+xml'],
  responseFormats: {
    mediaTypes: [
      'application/fhir+json',
      'application/fhir+xml',
      'application/json',
      'application/xml',
      'text/xml',
      'application/json+fhir',
      'application/xml+fhir',
    ],
    shortForms: ['json', 'xml'],
  },
  required: [],
  forbidden: {},
  // The seed's example sends participant status "booked".
  participant: {
    statuses: ['accepted', 'declined', 'tentative', 'needs-action', 'booked'],
    requiredActors: [],
  },
  extensions: 'any',
  textLimits: {},
  booking: { matchSchedule: false, fillFromSchedule: false },
};
