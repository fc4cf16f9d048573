import type { Profile } from './profile.js';

/** The seed page: CareConnect-Appointment-1, 422 when a slot is no longer free. */
export const careconnect: Profile = {
  name: 'careconnect',
  version: 'careconnect',
  appointmentProfile: 'https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-Appointment-1',
  statusOverrides: { DUPLICATE_REJECTED: 422 },
  requestContentTypes: ['application/fhir+json', 'application/json', 'application/fhir+xml'],
  strictBooking: false,
};
