// README "Use it from a FHIR client": fhir-kit-client books and cancels a slot.
// Run it: node docs/examples/fhir-kit-client.mjs [http://127.0.0.1:4000]
import { Client } from 'fhir-kit-client';
import { buildEnvelope } from 'gpconnect-sandbox';

const CANCELLATION_REASON =
  'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-AppointmentCancellationReason-1';

export async function bookAndCancel(baseUrl) {
  const client = new Client({ baseUrl });
  // Every call carries the envelope of its own interaction (Ssp-InteractionID, the JWT's scope).
  const as = (interaction) => ({ headers: buildEnvelope(interaction, { aud: baseUrl }) });
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(Date.now() + 86_400_000);

  const metadata = await client.capabilityStatement(as('read:metadata-1'));
  const patients = await client.search({
    resourceType: 'Patient',
    searchParams: { identifier: 'https://fhir.nhs.uk/Id/nhs-number|9996323056' },
    options: as('search:patient-1'),
  });
  const patient = patients.entry[0].resource;
  const slots = await client.search({
    resourceType: 'Slot',
    searchParams: { start: `ge${day}`, end: `le${day}`, status: 'free', _include: 'Slot:schedule' },
    options: as('search:slot-1'),
  });
  const slot = slots.entry.map((e) => e.resource).find((r) => r.resourceType === 'Slot');
  const booked = await client.create({
    resourceType: 'Appointment',
    body: {
      resourceType: 'Appointment',
      status: 'booked',
      slot: [{ reference: `Slot/${slot.id}` }],
      participant: [{ actor: { reference: `Patient/${patient.id}` }, status: 'booked' }],
      description: 'Sore throat',
    },
    options: as('create:appointment-1'),
  });
  const read = await client.read({
    resourceType: 'Appointment',
    id: booked.id,
    options: as('read:appointment-1'),
  });
  const cancelled = await client.update({
    resourceType: 'Appointment',
    id: read.id,
    body: {
      ...read,
      status: 'cancelled',
      extension: [...(read.extension ?? []), { url: CANCELLATION_REASON, valueString: 'Feeling better' }],
    },
    options: as('cancel:appointment-1'),
  });
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
