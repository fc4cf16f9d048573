import { versionOf } from '../../domain/appointment-update.js';
import { SpineError } from '../../fhir/operation-outcome.js';
import { appointmentToFhir } from '../../fhir/resources.js';
import type { FhirCall, FhirResult } from '../fhir-types.js';
import { appointmentHeaders, findAppointment } from './appointment-common.js';
import { pastAppointmentProblem } from './appointment-read.js';

/**
 * GET /Appointment/{id}/_history/{vid}: one version of an appointment, the current one or an
 * earlier one (FHIR STU3 http.html#vread), with that version's ETag W/"vid" and Last-Modified. It is
 * where the Location header of a create or an amend points. An appointment that is past is hidden
 * as on a read (404 NO_RECORD_FOUND); so is a version it never had, naming the versions it has.
 */
export function readAppointmentVersion(call: FhirCall): FhirResult {
  const [id, vid] = call.params as [string, string];
  const record = findAppointment(call, id);
  const past = pastAppointmentProblem(record, call.nowMs);
  if (past) throw new SpineError('NO_RECORD_FOUND', `Appointment/${record.id} is not returned: ${past}`);
  const version = versionOf(record, vid);
  if (!version) {
    const kept = [...(record.history ?? []).map((v) => v.versionId), record.versionId];
    const lost =
      Number(kept[0]) > 1 ? '; its earlier versions were written before this sandbox kept them' : '';
    throw new SpineError(
      'NO_RECORD_FOUND',
      `Appointment/${id} has no version "${vid}": its versions are ${kept.join(', ')} (the current one is ${record.versionId})${lost}`,
    );
  }
  const { Location: _location, ...headers } = appointmentHeaders(version, call.fhirBaseUrl);
  return { status: 200, resource: appointmentToFhir(version, call.core.profile.appointmentProfile), headers };
}
