import { expect } from 'vitest';
import { gpcBooking, seedExample } from './bodies.js';
import { fhirBody, type Loose } from './outcome.js';
import { envelope, type TestSandbox } from './sandbox.js';

export type ProfileName = 'careconnect' | 'gpconnect-1.2.7';

/** An s1 slot (10 minutes, BST) on a June 2026 date at a local time, as gpcBooking wants it. */
export function s1Slot(date: string, time: string): { id: string; start: string; end: string } {
  const [h, m] = time.split(':').map(Number) as [number, number];
  const end = h * 60 + m + 10;
  const hhmm = `${String(Math.floor(end / 60)).padStart(2, '0')}:${String(end % 60).padStart(2, '0')}`;
  return {
    id: `s1-${date.replaceAll('-', '')}${time.replace(':', '')}`,
    start: `${date}T${time}:00+01:00`,
    end: `${date}T${hhmm}:00+01:00`,
  };
}

/** Book an s1 slot for a patient through POST /Appointment and return the created Appointment. */
export async function bookS1(
  sb: TestSandbox,
  profile: ProfileName,
  options: { date?: string; time?: string; patientId?: string } = {},
): Promise<Loose> {
  const slot = s1Slot(options.date ?? '2026-06-02', options.time ?? '09:00');
  const patientId = options.patientId ?? '1';
  const body =
    profile === 'careconnect' ? seedExample(slot.id, patientId) : gpcBooking({ slots: [slot], patientId });
  const res = await sb.http
    .post('/Appointment')
    .set(envelope('create:appointment-1'))
    .set('Content-Type', 'application/fhir+json')
    .send(JSON.stringify(body));
  expect({ status: res.status, text: res.text.slice(0, 300) }).toMatchObject({ status: 201 });
  return fhirBody(res);
}

/** PUT /Appointment/{id} as an amend, a cancel, or (undefined) with no Ssp-InteractionID at all. */
export function putAppointment(
  sb: TestSandbox,
  id: string,
  body: unknown,
  interaction: 'update:appointment-1' | 'cancel:appointment-1',
  headers: Record<string, string> = {},
) {
  return sb.http
    .put(`/Appointment/${id}`)
    .set(envelope(interaction))
    .set('Content-Type', 'application/fhir+json')
    .set(headers)
    .send(typeof body === 'string' ? body : JSON.stringify(body));
}

export const CANCELLATION_REASON_URL =
  'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-AppointmentCancellationReason-1';

/** The read-back appointment turned into a cancel: status cancelled plus the reason extension. */
export function asCancel(appointment: Loose, reason = 'Patient feels better'): Loose {
  const body = structuredClone(appointment);
  body.status = 'cancelled';
  body.extension = [...(body.extension ?? []), { url: CANCELLATION_REASON_URL, valueString: reason }];
  return body;
}
