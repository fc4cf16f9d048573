import { appointmentToFhir } from '../../fhir/resources.js';
import type { FhirCall, FhirResult } from '../fhir-types.js';
import { appointmentHeaders, findAppointment } from './appointment-common.js';

/** GET /Appointment/{id} (digest §3.4). */
export function readAppointment(call: FhirCall): FhirResult {
  const record = findAppointment(call, call.params[0]!);
  const { Location: _location, ...headers } = appointmentHeaders(record, call.fhirBaseUrl);
  return { status: 200, resource: appointmentToFhir(record, call.core.profile.appointmentProfile), headers };
}
