import { checkFuture } from '../../domain/appointment-update.js';
import { appointmentToFhir } from '../../fhir/resources.js';
import type { FhirCall, FhirResult } from '../fhir-types.js';
import { appointmentHeaders, findAppointment } from './appointment-common.js';

/**
 * GET /Appointment/{id} (digest §3.4). A past appointment is 404 NO_RECORD_FOUND, as the digest
 * recommends (past appointments are hidden everywhere else: retrieve returns today onwards). Both
 * profiles: PRODUCT.md lists no difference here, and where the seed is silent careconnect follows
 * GP Connect. The admin state (GET /_admin/state) still shows past appointments.
 */
export function readAppointment(call: FhirCall): FhirResult {
  const record = findAppointment(call, call.params[0]!);
  checkFuture(record, call.nowMs, 'read');
  const { Location: _location, ...headers } = appointmentHeaders(record, call.fhirBaseUrl);
  return { status: 200, resource: appointmentToFhir(record, call.core.profile.appointmentProfile), headers };
}
