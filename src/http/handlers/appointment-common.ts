import type { AppointmentRecord } from '../../domain/model.js';
import { SpineError } from '../../fhir/operation-outcome.js';
import type { FhirCall } from '../fhir-types.js';

export function appointmentHeaders(record: AppointmentRecord, fhirBaseUrl: string): Record<string, string> {
  return {
    Location: `${fhirBaseUrl}/Appointment/${record.id}/_history/${record.versionId}`,
    ETag: `W/"${record.versionId}"`,
    'Last-Modified': new Date(record.lastModifiedMs).toUTCString(),
  };
}

/** Prefer: return=minimal asks for no body (digest §2.3). */
export function prefersMinimal(headers: FhirCall['headers']): boolean {
  const prefer = headers['prefer'];
  const value = Array.isArray(prefer) ? prefer.join(',') : (prefer ?? '');
  return /(^|[,;\s])return=minimal\b/.test(value);
}

export function findAppointment(call: FhirCall, id: string): AppointmentRecord {
  const record = call.world.state.appointments.get(id);
  if (!record) throw new SpineError('NO_RECORD_FOUND', `Appointment/${id} does not exist in this sandbox`);
  return record;
}
