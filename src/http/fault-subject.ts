import type { FhirCall } from './fhir-types.js';

/** The patient, slots and NHS number a FHIR request concerns, for fault matching (PRODUCT.md `when`). */
export interface FaultSubject {
  patientId?: string;
  slotIds?: string[];
  nhsNumber?: string;
}

const NHS_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number|';

function referencesOf(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  const out: string[] = [];
  for (const item of value) {
    const ref =
      (item as { reference?: unknown; actor?: { reference?: unknown } } | null)?.reference ??
      (item as { actor?: { reference?: unknown } } | null)?.actor?.reference;
    if (typeof ref === 'string') out.push(ref);
  }
  return out;
}

export function faultSubject(
  call: Pick<FhirCall, 'body' | 'params' | 'query' | 'core' | 'world'>,
  template: string,
): FaultSubject {
  const subject: FaultSubject = {};
  const body = call.body as { slot?: unknown; participant?: unknown } | undefined;
  if (body && typeof body === 'object') {
    const slots = referencesOf(body.slot)
      .filter((r) => r.startsWith('Slot/'))
      .map((r) => r.slice(5));
    if (slots.length) subject.slotIds = slots;
    const patient = referencesOf(body.participant).find((r) => r.startsWith('Patient/'));
    if (patient) subject.patientId = patient.slice(8);
  }
  if (template.startsWith('/Patient/{id}')) subject.patientId = call.params[0];
  if (template.startsWith('/Appointment/{id}') && !subject.patientId) {
    const record = call.world.state.appointments.get(call.params[0] ?? '');
    if (record) {
      subject.patientId = record.patientId;
      subject.slotIds ??= record.slotIds;
    }
  }
  const identifier = call.query['identifier'];
  if (template === '/Patient' && typeof identifier === 'string' && identifier.startsWith(NHS_SYSTEM)) {
    subject.nhsNumber = identifier.slice(NHS_SYSTEM.length);
  }
  if (subject.patientId && !subject.nhsNumber) {
    const patient =
      call.core.directory.patients.get(subject.patientId) ??
      call.world.state.fixturePatients.get(subject.patientId);
    if (patient) subject.nhsNumber = patient.nhsNumber;
  }
  return subject;
}
