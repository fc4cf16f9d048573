// README "Use it from a FHIR client": @medplum/core's MedplumClient books and cancels a slot.
// Run it: node docs/examples/medplum.mjs [http://127.0.0.1:4000]
import { MedplumClient } from '@medplum/core';
import { buildEnvelope } from 'gpconnect-sandbox';

const CANCELLATION_REASON =
  'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-AppointmentCancellationReason-1';

export async function bookAndCancel(baseUrl) {
  // The FHIR base is the sandbox's root (or its --base-path), not Medplum's default "fhir/R4/".
  const medplum = new MedplumClient({ baseUrl: `${baseUrl}/`, fhirUrlPath: '' });
  // Every call carries the envelope of its own interaction (Ssp-InteractionID, the JWT's scope).
  const as = (interaction) => ({ headers: buildEnvelope(interaction, { aud: baseUrl }) });
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(Date.now() + 86_400_000);

  const metadata = await medplum.get(medplum.fhirUrl('metadata'), as('read:metadata-1'));
  const patients = await medplum.searchResources(
    'Patient',
    { identifier: 'https://fhir.nhs.uk/Id/nhs-number|9996323056' },
    as('search:patient-1'),
  );
  const patient = patients[0];
  const slots = await medplum.searchResources(
    'Slot',
    { start: `ge${day}`, end: `le${day}`, status: 'free', _include: 'Slot:schedule' },
    as('search:slot-1'),
  );
  const slot = slots.find((r) => r.resourceType === 'Slot');
  const booked = await medplum.createResource(
    {
      resourceType: 'Appointment',
      status: 'booked',
      slot: [{ reference: `Slot/${slot.id}` }],
      participant: [{ actor: { reference: `Patient/${patient.id}` }, status: 'booked' }],
      description: 'Sore throat',
    },
    as('create:appointment-1'),
  );
  const read = await medplum.readResource('Appointment', booked.id, as('read:appointment-1'));
  const cancelled = await medplum.updateResource(
    {
      ...read,
      status: 'cancelled',
      extension: [...(read.extension ?? []), { url: CANCELLATION_REASON, valueString: 'Feeling better' }],
    },
    as('cancel:appointment-1'),
  );
  return {
    fhirVersion: metadata.fhirVersion,
    patient: patient.id,
    slot: slot.id,
    appointment: read.id,
    status: cancelled.status,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await bookAndCancel(process.argv[2] ?? 'http://127.0.0.1:4000'));
}
