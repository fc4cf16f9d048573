// README "Use it from a FHIR client": fhirclient (SMART on FHIR's JS client) books and cancels a slot.
// Run it: node docs/examples/fhirclient.mjs [http://127.0.0.1:4000]
import smart from 'fhirclient';
import { buildEnvelope } from 'gpconnect-sandbox';

const CANCELLATION_REASON =
  'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-AppointmentCancellationReason-1';

export async function bookAndCancel(baseUrl) {
  const client = new smart.FhirClient(baseUrl);
  // Every call carries the envelope of its own interaction (Ssp-InteractionID, the JWT's scope).
  const as = (interaction) => ({ headers: buildEnvelope(interaction, { aud: baseUrl }) });
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(Date.now() + 86_400_000);

  // Not client.getFhirVersion(): it fetches /metadata with no way to add headers, which a strict
  // sandbox refuses (400). Ask for it as below, or start the sandbox with --auth lenient.
  const metadata = await client.fhirRequest('metadata', as('read:metadata-1'));
  const nhsNumber = encodeURIComponent('https://fhir.nhs.uk/Id/nhs-number|9996323056');
  const patients = await client.fhirRequest(`Patient?identifier=${nhsNumber}`, as('search:patient-1'));
  const patient = patients.entry[0].resource;
  const slots = await client.fhirRequest(
    `Slot?start=ge${day}&end=le${day}&status=free&_include=Slot:schedule`,
    as('search:slot-1'),
  );
  const slot = slots.entry.map((e) => e.resource).find((r) => r.resourceType === 'Slot');
  const booked = await client.create(
    {
      resourceType: 'Appointment',
      status: 'booked',
      slot: [{ reference: `Slot/${slot.id}` }],
      participant: [{ actor: { reference: `Patient/${patient.id}` }, status: 'booked' }],
      description: 'Sore throat',
    },
    as('create:appointment-1'),
  );
  const read = await client.fhirRequest(`Appointment/${booked.id}`, as('read:appointment-1'));
  const cancelled = await client.update(
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
