import { afterEach, describe, expect, it } from 'vitest';
import { fromFhirXml, toFhirXml } from '../../src/fhir/xml.js';
import { asCancel, type ProfileName } from '../helpers/appointments.js';
import { gpcBooking, seedExample } from '../helpers/bodies.js';
import { FHIR_JSON, type Loose } from '../helpers/outcome.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

const FHIR_XML = 'application/fhir+xml;charset=utf-8';
const PROFILES = ['careconnect', 'gpconnect-1.2.7'] as const;

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

type Format = 'json' | 'xml';
const MEDIA: Record<Format, string> = { json: 'application/fhir+json', xml: 'application/fhir+xml' };
const encode = (resource: object, format: Format) =>
  format === 'xml' ? toFhirXml(resource) : JSON.stringify(resource);

function decode(res: { text: string; headers: Record<string, string> }, format: Format): Loose {
  expect(res.headers['content-type']).toBe(format === 'xml' ? FHIR_XML : FHIR_JSON);
  return format === 'xml' ? fromFhirXml(res.text) : JSON.parse(res.text);
}

function bookingBody(profile: ProfileName) {
  return profile === 'careconnect' ? seedExample() : gpcBooking();
}

/** Every combination of request body format and response format, as PTS books with. */
const COMBINATIONS: Array<[Format, Format]> = [
  ['json', 'json'],
  ['json', 'xml'],
  ['xml', 'json'],
  ['xml', 'xml'],
];

describe.each(PROFILES)('XML and JSON through book, read, amend and cancel (%s)', (profile) => {
  it.each(COMBINATIONS)('sends %s and gets %s back at every step', async (sent, wanted) => {
    sandbox = testSandbox({ profile });
    const booked = await sandbox.http
      .post('/Appointment')
      .set(envelope('create:appointment-1'))
      .set('Content-Type', MEDIA[sent])
      .set('Accept', MEDIA[wanted])
      .send(encode(bookingBody(profile), sent));
    expect(booked.status).toBe(201);
    const appointment = decode(booked, wanted);
    expect(appointment.slot).toEqual([{ reference: 'Slot/s1-202606020900' }]);

    const read = await sandbox.http
      .get(`/Appointment/${appointment.id}?_format=${encodeURIComponent(MEDIA[wanted])}`)
      .set(envelope('read:appointment-1'));
    expect(read.status).toBe(200);
    expect(decode(read, wanted)).toEqual(appointment);

    const amended = await sandbox.http
      .put(`/Appointment/${appointment.id}`)
      .set(envelope('update:appointment-1'))
      .set('Content-Type', MEDIA[sent])
      .set('Accept', MEDIA[wanted])
      .set('If-Match', 'W/"1"')
      .send(encode({ ...appointment, comment: 'Amended in XML or JSON' }, sent));
    expect(amended.status).toBe(200);
    const afterAmend = decode(amended, wanted);
    expect(afterAmend.comment).toBe('Amended in XML or JSON');
    expect(afterAmend.meta.versionId).toBe('2');

    const cancelled = await sandbox.http
      .put(`/Appointment/${appointment.id}`)
      .set(envelope('cancel:appointment-1'))
      .set('Content-Type', MEDIA[sent])
      .set('Accept', MEDIA[wanted])
      .set('If-Match', 'W/"2"')
      .send(encode(asCancel(afterAmend), sent));
    expect(cancelled.status).toBe(200);
    expect(decode(cancelled, wanted)).toMatchObject({ status: 'cancelled', meta: { versionId: '3' } });
  });

  it('answers a refused XML amend with an XML OperationOutcome naming the element', async () => {
    sandbox = testSandbox({ profile });
    const booked = await sandbox.http
      .post('/Appointment')
      .set(envelope('create:appointment-1'))
      .set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify(bookingBody(profile)));
    const appointment = JSON.parse(booked.text);
    const res = await sandbox.http
      .put(`/Appointment/${appointment.id}`)
      .set(envelope('update:appointment-1'))
      .set('Content-Type', 'application/fhir+xml')
      .set('Accept', 'application/fhir+xml')
      .send(toFhirXml({ ...appointment, priority: 2 }));
    expect(res.status).toBe(422);
    const outcome = decode(res, 'xml');
    expect(outcome.issue[0].details.coding[0].code).toBe('INVALID_RESOURCE');
    expect(outcome.issue[0].diagnostics).toMatch(/^priority changed/);
  });
});
