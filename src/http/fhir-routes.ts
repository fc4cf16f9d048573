import { type FhirRoute, route } from './fhir-types.js';
import { createAppointment } from './handlers/appointment-create.js';
import { readAppointment } from './handlers/appointment-read.js';
import { updateAppointment } from './handlers/appointment-update.js';
import { readLocation } from './handlers/location.js';
import { getMetadata } from './handlers/metadata.js';
import { readOrganization, searchOrganizations } from './handlers/organization.js';
import { readPatient, searchPatients } from './handlers/patient.js';
import { retrievePatientAppointments } from './handlers/patient-appointments.js';
import { readPractitioner, searchPractitioners } from './handlers/practitioner.js';
import { searchSlots } from './handlers/slot-search.js';

/** Every FHIR interaction this provider serves, relative to the base path. */
export const FHIR_ROUTES: FhirRoute[] = [
  route('GET', '/metadata', 'the CapabilityStatement', getMetadata),
  route('POST', '/Appointment', 'book an appointment', createAppointment),
  route('GET', '/Appointment/{id}', 'read an appointment', readAppointment),
  route('GET', '/Patient', 'find a patient', searchPatients),
  route('GET', '/Patient/{id}', 'read a patient', readPatient),
  route('GET', '/Organization', 'find an organisation', searchOrganizations),
  route('GET', '/Organization/{id}', 'read an organisation', readOrganization),
  route('GET', '/Practitioner', 'find a practitioner', searchPractitioners),
  route('GET', '/Practitioner/{id}', 'read a practitioner', readPractitioner),
  route('GET', '/Location/{id}', 'read a location', readLocation),
  route('GET', '/Slot', 'search for free slots', searchSlots),
  route('PUT', '/Appointment/{id}', 'amend or cancel an appointment', updateAppointment),
  route('GET', '/Patient/{id}/Appointment', "retrieve a patient's appointments", retrievePatientAppointments),
];

export type RouteMatch = { route: FhirRoute; params: string[] } | { wrongMethod: FhirRoute[] } | undefined;

export function matchRoute(method: string, path: string): RouteMatch {
  const sameMethod = method === 'HEAD' ? 'GET' : method;
  const onPath: FhirRoute[] = [];
  for (const r of FHIR_ROUTES) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    if (r.method === sameMethod) return { route: r, params: m.slice(1) };
    onPath.push(r);
  }
  return onPath.length > 0 ? { wrongMethod: onPath } : undefined;
}

export function supportedInteractions(): string {
  return FHIR_ROUTES.map((r) => `${r.method} ${r.template}`).join(', ');
}
