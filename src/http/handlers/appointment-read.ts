import { formatLondon } from '../../domain/london-time.js';
import type { AppointmentRecord } from '../../domain/model.js';
import { SpineError } from '../../fhir/operation-outcome.js';
import { appointmentToFhir } from '../../fhir/resources.js';
import type { FhirCall, FhirResult } from '../fhir-types.js';
import { appointmentHeaders, findAppointment } from './appointment-common.js';

/** Why an appointment counts as past (its start is not after now), or undefined when it is future. */
export function pastAppointmentProblem(record: AppointmentRecord, nowMs: number): string | undefined {
  if (record.startMs > nowMs) return undefined;
  return `it started at ${formatLondon(record.startMs)}, which is not in the future (sandbox clock ${formatLondon(nowMs)}); GP Connect providers serve only future appointments`;
}

/**
 * GET /Appointment/{id} (digest §3.4). A past appointment is 404 NO_RECORD_FOUND, as the digest
 * recommends (past appointments are hidden everywhere else: retrieve returns today onwards). Both
 * profiles: PRODUCT.md lists no difference here, and where the seed is silent careconnect follows
 * GP Connect. The admin state (GET /_admin/state) still shows past appointments.
 */
export function readAppointment(call: FhirCall): FhirResult {
  const record = findAppointment(call, call.params[0]!);
  const past = pastAppointmentProblem(record, call.nowMs);
  if (past) throw new SpineError('NO_RECORD_FOUND', `Appointment/${record.id} is not returned: ${past}`);
  const { Location: _location, ...headers } = appointmentHeaders(record, call.fhirBaseUrl);
  return { status: 200, resource: appointmentToFhir(record, call.core.profile.appointmentProfile), headers };
}
