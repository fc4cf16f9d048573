import { afterEach, describe, expect, it } from 'vitest';
import { fromFhirXml } from '../../src/fhir/xml.js';
import type { ProfileName } from '../helpers/appointments.js';
import { gpcBooking, seedExample } from '../helpers/bodies.js';
import { emptyValuePaths } from '../helpers/fhir-json-guard.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

/**
 * FHIR JSON never holds empty arrays, objects or strings, or nulls (STU3 json.html). Every test
 * through test/helpers/sandbox.ts is checked for that (fhir-json-setup.ts); this file replays a
 * table of requests across every route, both profiles and both formats, where empty values could
 * come from: empty searchsets, and a consumer's own empty elements stored with a booking.
 */

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

const PROFILES: ProfileName[] = ['careconnect', 'gpconnect-1.2.7'];
const FORMATS = ['application/fhir+json', 'application/fhir+xml'] as const;

/** [title, interaction, path] of every GET route, with queries that find nothing where they can. */
const GETS: Array<[string, string, string]> = [
  ['the CapabilityStatement', 'read:metadata-1', '/metadata'],
  [
    'find a patient, no match',
    'search:patient-1',
    '/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number%7C9990000093',
  ],
  ['read a patient', 'read:patient-1', '/Patient/1'],
  [
    'find an organisation, no match',
    'search:organization-1',
    '/Organization?identifier=https://fhir.nhs.uk/Id/ods-organization-code%7CZZZ99',
  ],
  ['read an organisation', 'read:organization-1', '/Organization/o1'],
  [
    'find a practitioner, no match',
    'search:practitioner-1',
    '/Practitioner?identifier=https://fhir.nhs.uk/Id/sds-user-id%7CNOBODY',
  ],
  ['read a practitioner', 'read:practitioner-1', '/Practitioner/p1'],
  ['read a location', 'read:location-1', '/Location/l1'],
  [
    'search for slots, none in the window',
    'search:slot-1',
    '/Slot?status=free&start=ge2026-05-20&end=le2026-05-21&_include=Slot:schedule',
  ],
  [
    'search for slots, a day',
    'search:slot-1',
    '/Slot?status=free&start=ge2026-06-02&end=le2026-06-02&_include=Slot:schedule',
  ],
  [
    "retrieve a patient's appointments, none",
    'search:patient_appointments-1',
    '/Patient/2/Appointment?start=ge2026-06-01&start=le2026-06-20',
  ],
  ['read an appointment that does not exist', 'read:appointment-1', '/Appointment/404'],
];

/** The JSON of a response in either format, for the empty-value walk. */
function asJson(res: { text: string }, format: (typeof FORMATS)[number]): unknown {
  return format === 'application/fhir+xml' ? fromFhirXml(res.text) : JSON.parse(res.text);
}

describe.each(PROFILES)('no empty values in any response (%s)', (profile) => {
  it.each(
    GETS.flatMap(([title, interaction, path]) => FORMATS.map((f) => [title, f, interaction, path] as const)),
  )('%s, as %s', async (_title, format, interaction, path) => {
    sandbox = testSandbox({ profile });
    const res = await sandbox.http.get(path).set(envelope(interaction)).set('Accept', format);
    expect(res.text.length).toBeGreaterThan(0);
    if (format === 'application/fhir+json') expect(res.text).not.toMatch(/\[\]|\{\}|""|null/);
    else expect(res.text).not.toMatch(/value=""/);
    expect(emptyValuePaths(asJson(res, format))).toEqual([]);
  });

  it.each(FORMATS)('an empty searchset has no entry element at all (%s)', async (format) => {
    sandbox = testSandbox({ profile });
    const res = await sandbox.http
      .get('/Slot?status=free&start=ge2026-05-20&end=le2026-05-21&_include=Slot:schedule')
      .set(envelope('search:slot-1'))
      .set('Accept', format);
    expect(res.status).toBe(200);
    const bundle = asJson(res, format) as Record<string, unknown>;
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 0 });
    expect(bundle).not.toHaveProperty('entry');
  });

  it.each(FORMATS)('the emptyBundle fault answers without an entry element (%s)', async (format) => {
    sandbox = testSandbox({ profile });
    const res = await sandbox.http
      .get('/Slot?status=free&start=ge2026-06-02&end=le2026-06-02&_include=Slot:schedule')
      .set(envelope('search:slot-1'))
      .set('X-Sandbox-Fault', 'emptyBundle')
      .set('Accept', format);
    expect(res.status).toBe(200);
    expect(asJson(res, format)).not.toHaveProperty('entry');
  });

  it.each(FORMATS)(
    'a booking carrying empty elements is served, read, amended and cancelled without them (%s)',
    async (format) => {
      sandbox = testSandbox({ profile });
      const base = profile === 'careconnect' ? seedExample() : gpcBooking();
      const participants = (base['participant'] as Array<Record<string, unknown>>).map((p) => ({
        ...p,
        type: [],
      }));
      const body = { ...base, identifier: [], participant: participants, language: '', text: {} };
      const booked = await sandbox.http
        .post('/Appointment')
        .set(envelope('create:appointment-1'))
        .set('Accept', format)
        .set('Content-Type', 'application/fhir+json')
        .send(JSON.stringify(body));
      expect({ status: booked.status, text: booked.text.slice(0, 300) }).toMatchObject({ status: 201 });
      const appointment = asJson(booked, format) as Record<string, unknown>;
      expect(emptyValuePaths(appointment)).toEqual([]);
      expect(appointment).not.toHaveProperty('identifier');
      expect(appointment).not.toHaveProperty('language');

      const read = await sandbox.http
        .get(`/Appointment/${appointment['id']}`)
        .set(envelope('read:appointment-1'))
        .set('Accept', format);
      expect(emptyValuePaths(asJson(read, format))).toEqual([]);

      // The read-back resource, amended, is accepted: the stored empty elements are no change.
      const amended = await sandbox.http
        .put(`/Appointment/${appointment['id']}`)
        .set(envelope('update:appointment-1'))
        .set('Content-Type', 'application/fhir+json')
        .set('Accept', format)
        .send(JSON.stringify({ ...appointment, description: 'Now a cough as well' }));
      expect({ status: amended.status, text: amended.text.slice(0, 300) }).toMatchObject({ status: 200 });
      expect(emptyValuePaths(asJson(amended, format))).toEqual([]);
    },
  );
});
