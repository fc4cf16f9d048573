import type { Profile } from './profile.js';

/** GP Connect Appointment Management 1.2.7, what live suppliers are assured against. */
export const gpconnect127: Profile = {
  name: 'gpconnect-1.2.7',
  version: '1.2.7',
  appointmentProfile: 'https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-Appointment-1',
  statusOverrides: {},
  // A 1.2.7 provider reads only the FHIR media types (digest §5.4): application/json is 415.
  requestContentTypes: ['application/fhir+json', 'application/fhir+xml'],
  strictBooking: true,
  descriptionMaxLength: 100,
  commentMaxLength: 500,
};
