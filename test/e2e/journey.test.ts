import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/index.js';
import { CANCELLATION_REASON_URL } from '../helpers/appointments.js';
import { gpcBooking } from '../helpers/bodies.js';
import type { Loose } from '../helpers/outcome.js';

const FHIR_JSON = 'application/fhir+json;charset=utf-8';
const ORG_TYPE = 'https://fhir.nhs.uk/STU3/CodeSystem/GPConnect-OrganisationType-1';

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, profile: 'gpconnect-1.2.7', clock: '2026-06-01T08:00:00+01:00' });
});
afterAll(async () => {
  await sandbox?.close();
});

async function call(
  interaction: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${sandbox.fhirBase}${path}`, {
    method,
    headers: {
      ...sandbox.headers(interaction),
      ...(body === undefined ? {} : { 'Content-Type': 'application/fhir+json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(res.headers.get('content-type')).toBe(FHIR_JSON);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const text = await res.text();
  return {
    status: res.status,
    etag: res.headers.get('etag'),
    location: res.headers.get('location'),
    body: JSON.parse(text) as Loose,
  };
}

const resources = (bundle: Loose, type: string): Loose[] =>
  (bundle.entry ?? []).map((e: Loose) => e.resource).filter((r: Loose) => r.resourceType === type);

describe('a consumer journey over a real socket (gpconnect-1.2.7)', () => {
  it('finds a patient, searches slots, books, reads, amends, cancels and retrieves', async () => {
    // 1. Find the patient by NHS number.
    const nhs = encodeURIComponent('https://fhir.nhs.uk/Id/nhs-number|9996323056');
    const found = await call('search:patient-1', 'GET', `/Patient?identifier=${nhs}`);
    expect(found.status).toBe(200);
    const [patient] = resources(found.body, 'Patient');
    expect(patient.id).toBe('1');

    // 2. Search tomorrow's slots as an urgent-care consumer.
    const filter = encodeURIComponent(`${ORG_TYPE}|urgent-care`);
    const search = await call(
      'search:slot-1',
      'GET',
      `/Slot?status=free&start=ge2026-06-02&end=le2026-06-02&_include=Slot:schedule&_include:recurse=Schedule:actor:Practitioner&_include:recurse=Schedule:actor:Location&_include:recurse=Location:managingOrganization&searchFilter=${filter}`,
    );
    expect(search.status).toBe(200);
    const slot = resources(search.body, 'Slot').find((s) => s.schedule.reference === 'Schedule/urgent-care');
    expect(slot).toBeDefined();
    const schedule = resources(search.body, 'Schedule').find(
      (s) => `Schedule/${s.id}` === slot.schedule.reference,
    );
    const locationRef: string = schedule.actor.find((a: Loose) =>
      a.reference.startsWith('Location/'),
    ).reference;
    expect(resources(search.body, 'Location').map((l) => `Location/${l.id}`)).toContain(locationRef);

    // 3. Book it (digest §2.1), with the org type the search used.
    const booking = gpcBooking({
      slots: [{ id: slot.id, start: slot.start, end: slot.end }],
      patientId: patient.id,
      locationId: locationRef.slice('Location/'.length),
      orgType: 'urgent-care',
    });
    const booked = await call('create:appointment-1', 'POST', '/Appointment', booking);
    expect(booked.status).toBe(201);
    expect(booked.location).toBe(`${sandbox.fhirBase}/Appointment/${booked.body.id}/_history/1`);
    const id: string = booked.body.id;

    // 4. Read it back.
    const read = await call('read:appointment-1', 'GET', `/Appointment/${id}`);
    expect(read.status).toBe(200);
    expect(read.etag).toBe('W/"1"');
    expect(read.body.serviceType).toEqual([{ text: 'Urgent appointment' }]);

    // 5. Amend the comment, with If-Match.
    const amended = await call(
      'update:appointment-1',
      'PUT',
      `/Appointment/${id}`,
      { ...read.body, comment: 'Call before arriving' },
      { 'If-Match': read.etag! },
    );
    expect(amended.status).toBe(200);
    expect(amended.etag).toBe('W/"2"');
    expect(amended.body.comment).toBe('Call before arriving');

    // 6. Cancel it, with the new ETag.
    const cancelBody = {
      ...amended.body,
      status: 'cancelled',
      extension: [
        ...amended.body.extension,
        { url: CANCELLATION_REASON_URL, valueString: 'Symptoms resolved' },
      ],
    };
    const cancelled = await call('cancel:appointment-1', 'PUT', `/Appointment/${id}`, cancelBody, {
      'If-Match': amended.etag!,
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.etag).toBe('W/"3"');
    expect(cancelled.body.status).toBe('cancelled');

    // 7. Retrieve the patient's appointments: the cancelled one is listed.
    const retrieved = await call(
      'search:patient_appointments-1',
      'GET',
      `/Patient/${patient.id}/Appointment?start=ge2026-06-01&start=le2026-06-14`,
    );
    expect(retrieved.status).toBe(200);
    expect(resources(retrieved.body, 'Appointment').map((a) => [a.id, a.status])).toEqual([
      [id, 'cancelled'],
    ]);

    // The slot is free again.
    const again = await call(
      'search:slot-1',
      'GET',
      `/Slot?status=free&start=ge2026-06-02&end=le2026-06-02&_include=Slot:schedule&searchFilter=${filter}`,
    );
    expect(resources(again.body, 'Slot').map((s) => s.id)).toContain(slot.id);
    expect(sandbox.requests().map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 201, 200, 200]);
  });
});
