import { checkFuture, versionOrFail } from '../../domain/appointment-update.js';
import { appointmentToFhir } from '../../fhir/resources.js';
import type { FhirCall, FhirResult } from '../fhir-types.js';
import { appointmentHeaders, findAppointment } from './appointment-common.js';

/**
 * GET /Appointment/{id}/_history/{vid}: one version of an appointment, the current one or an
 * earlier one (FHIR STU3 http.html#vread), with that version's ETag W/"vid" and Last-Modified. It is
 * where the Location header of a create or an amend points. An appointment that is past is hidden
 * as on a read (404 NO_RECORD_FOUND); so is a version it never had, naming the versions it has.
 */
export function readAppointmentVersion(call: FhirCall): FhirResult {
  const [id, vid] = call.params as [string, string];
  const record = findAppointment(call, id);
  checkFuture(record, call.nowMs, 'read');
  const version = versionOrFail(record, vid);
  const { Location: _location, ...headers } = appointmentHeaders(version, call.fhirBaseUrl);
  return { status: 200, resource: appointmentToFhir(version, call.core.profile.appointmentProfile), headers };
}
