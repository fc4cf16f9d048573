import type { Profile } from './profile.js';

const MAX_0 = '(GPConnect-Appointment-1 sets it to max 0)';

/**
 * GP Connect Appointment Management 1.2.7, what live suppliers are assured against: "Book an
 * appointment" and "Amend an appointment" (digest §2.1–2.4, §3.3, §5.4).
 */
export const gpconnect127: Profile<'gpconnect-1.2.7'> = {
  name: 'gpconnect-1.2.7',
  version: '1.2.7',
  appointmentProfile: 'https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-Appointment-1',
  statusOverrides: {},
  // A 1.2.7 provider reads only the FHIR media types (digest §5.4): application/json is 415.
  requestContentTypes: ['application/fhir+json', 'application/fhir+xml'],
  // As the reference provider (DEMO): _format=json, application/json and DSTU2 types are 415.
  responseFormats: { mediaTypes: ['application/fhir+json', 'application/fhir+xml'], shortForms: [] },
  required: [
    'meta.profile',
    'participant.status',
    'start',
    'end',
    'created',
    'description',
    'identifier.system',
    'extension:bookingOrganisation',
  ],
  forbidden: {
    reason: '(removed in 1.1.1): put the reason for the appointment in description',
    specialty: MAX_0,
    appointmentType: MAX_0,
    indication: MAX_0,
    supportingInformation: MAX_0,
    incomingReferral: MAX_0,
    requestedPeriod: MAX_0,
  },
  // "booked" is not a ParticipationStatus (STU3).
  participant: {
    statuses: ['accepted', 'declined', 'tentative', 'needs-action'],
    requiredActors: ['Location'],
  },
  extensions: ['bookingOrganisation', 'deliveryChannel', 'practitionerRole'],
  textLimits: { description: 100, comment: 500 },
  booking: { matchSchedule: true, fillFromSchedule: true },
};
