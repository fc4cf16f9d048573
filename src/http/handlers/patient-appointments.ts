import { findPatient } from '../../domain/booking.js';
import { addDays, isCalendarDate, londonDateOf, londonLocalToInstant } from '../../domain/london-time.js';
import { compareAppointmentIds } from '../../domain/model.js';
import { describe } from '../../fhir/json-shape.js';
import { SpineError } from '../../fhir/operation-outcome.js';
import { appointmentToFhir, searchset } from '../../fhir/resources.js';
import { invalidParameter, miscasedHint, paramValues, type QueryValues } from '../../fhir/search-params.js';
import type { FhirCall, FhirResult } from '../fhir-types.js';

const EXAMPLE = 'start=ge2026-06-02&start=le2026-06-30';

/**
 * The two `start` parameters of a retrieve (digest §3.5; PTS AppointmentRetrieve.feature): exactly
 * one ge and one le, dates only, neither in the past, le not before ge. Every problem is
 * 422 INVALID_PARAMETER, and a past date's diagnostic says past dates cannot be searched.
 */
export function readRetrieveRange(query: QueryValues, today: string): { from: string; to: string } {
  const values = paramValues(query, 'start');
  if (values.length !== 2) {
    throw invalidParameter(
      `start was sent ${values.length === 0 ? 'no' : values.length} time${values.length === 1 ? '' : 's'}: send exactly two, one ge and one le, e.g. ${EXAMPLE}${values.length === 0 ? miscasedHint(query, 'start') : ''}`,
    );
  }
  const bounds: Partial<Record<'ge' | 'le', string>> = {};
  for (const text of values) {
    const prefix = text.slice(0, 2);
    const date = text.slice(2);
    if (prefix !== 'ge' && prefix !== 'le') {
      throw invalidParameter(`start ${describe(text)} must have the prefix ge or le, e.g. ${EXAMPLE}`);
    }
    if (bounds[prefix] !== undefined)
      throw invalidParameter(`start=${prefix} was sent twice: send one ge and one le, e.g. ${EXAMPLE}`);
    if (/^\d{4}-\d{2}-\d{2}T/.test(date)) {
      throw invalidParameter(
        `start ${describe(text)} has a time: send dates only (yyyy-mm-dd), e.g. ${EXAMPLE}`,
      );
    }
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !isCalendarDate(date)) {
      throw invalidParameter(`start ${describe(text)} is not a date (yyyy-mm-dd), e.g. ${EXAMPLE}`);
    }
    if (date < today) {
      throw invalidParameter(
        `start ${describe(text)} is in the past: past dates cannot be searched, so both dates must be today (${today}) or later`,
      );
    }
    bounds[prefix] = date;
  }
  const from = bounds.ge!;
  const to = bounds.le!;
  if (to < from)
    throw invalidParameter(`start=le${to} is before start=ge${from}: the range must run forwards`);
  return { from, to };
}

/**
 * GET /Patient/{id}/Appointment?start=ge{date}&start=le{date} (digest §3.5): every appointment of
 * the patient starting within those (London) dates, cancelled ones included, whoever booked it.
 * Since neither date may be past, only appointments from today on are returned. Other parameters
 * (_sort, _count...) are ignored.
 */
export function retrievePatientAppointments(call: FhirCall): FhirResult {
  const id = call.params[0]!;
  if (!findPatient({ directory: call.core.directory, state: call.world.state }, id)) {
    throw new SpineError(
      'PATIENT_NOT_FOUND',
      `Patient/${id} does not exist in this sandbox: find the patient by NHS number first and use its id`,
    );
  }
  const { from, to } = readRetrieveRange(call.query, londonDateOf(call.nowMs));
  const fromMs = londonLocalToInstant(from, '00:00');
  const toMs = londonLocalToInstant(addDays(to, 1), '00:00');
  const records = [...call.world.state.appointments.values()]
    .filter((r) => r.patientId === id && r.startMs >= fromMs && r.startMs < toMs)
    .sort((a, b) => a.startMs - b.startMs || compareAppointmentIds(a.id, b.id));
  const profile = call.core.profile.appointmentProfile;
  return { status: 200, resource: searchset(records.map((r) => appointmentToFhir(r, profile))) };
}
