// issue 14 item 9: a path or method that does not fit the Ssp-InteractionID sent is a bad request
// (400 BAD_REQUEST naming the mismatch), as the GP Connect provider suite expects (Http.feature
// "Http GET/POST/PUT to invalid endpoint", "Http incorrect case on url fhir resource";
// LocationRead.feature "Location read invalid response check caching headers exist"). Where the
// spec's error page speaks, it still decides: 404 NO_RECORD_FOUND for a read of an unknown id,
// 422 REFERENCE_NOT_FOUND for a booking of a slot that does not exist.
import { afterEach, describe, expect, it } from 'vitest';
import { fromFhirXml } from '../../src/fhir/xml.js';
import type { ProfileName } from '../helpers/appointments.js';
import { gpcBooking, seedExample } from '../helpers/bodies.js';
import { FHIR_JSON, type Loose } from '../helpers/outcome.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

const PROFILES: ProfileName[] = ['careconnect', 'gpconnect-1.2.7'];
const FORMATS = ['json', 'xml'] as const;
const SPINE = 'https://fhir.nhs.uk/STU3/CodeSystem/Spine-ErrorOrWarningCode-1';

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

type Method = 'get' | 'post' | 'put';

function send(
  sb: TestSandbox,
  method: Method,
  path: string,
  headers: Record<string, string>,
  format: 'json' | 'xml',
) {
  const req = sb.http[method](path)
    .set(headers)
    .set('Accept', format === 'xml' ? 'application/fhir+xml' : 'application/fhir+json');
  return method === 'get'
    ? req
    : req.set('Content-Type', 'application/fhir+json').send('{"resourceType":"Appointment"}');
}

/** The one issue of an OperationOutcome in either format: status, Spine code and diagnostics. */
function outcome(
  res: { status: number; text: string; headers: Record<string, string> },
  format: 'json' | 'xml',
) {
  expect(res.headers['content-type']).toBe(
    format === 'xml' ? 'application/fhir+xml;charset=utf-8' : FHIR_JSON,
  );
  const body: Loose = format === 'xml' ? fromFhirXml(res.text) : JSON.parse(res.text);
  expect(body.resourceType).toBe('OperationOutcome');
  expect(body.issue).toHaveLength(1);
  expect(body.issue[0].details.coding[0].system).toBe(SPINE);
  return {
    status: res.status,
    code: body.issue[0].details.coding[0].code,
    diagnostics: body.issue[0].diagnostics as string,
  };
}

// biome-ignore format: one row per request
const MISMATCHES: Array<[Method, string, string, RegExp]> = [
  ['get', '/metadatas', 'read:metadata-1', /GET \/metadatas does not fit Ssp-InteractionID urn:nhs:names:services:gpconnect:fhir:rest:read:metadata-1, which is GET \/metadata/],
  ['post', '/metadatas', 'read:metadata-1', /POST \/metadatas does not fit .*rest:read:metadata-1, which is GET \/metadata/],
  ['put', '/metadatas', 'read:metadata-1', /PUT \/metadatas does not fit/],
  ['get', '/Metadata', 'read:metadata-1', /paths are case-sensitive/],
  ['get', '/metadata/', 'read:metadata-1', /paths have no trailing slash/],
  ['get', '/Patient/', 'search:patient-1', /GET \/Patient\/ does not fit .*rest:search:patient-1, which is GET \/Patient \(find a patient\): paths have no trailing slash/],
  ['get', '/patient', 'search:patient-1', /paths are case-sensitive/],
  ['get', '/Organization/', 'search:organization-1', /which is GET \/Organization/],
  ['get', '/Practitioner/p1/', 'read:practitioner-1', /which is GET \/Practitioner\/\{id\}/],
  ['get', '/Location', 'read:location-1', /GET \/Location does not fit .*rest:read:location-1, which is GET \/Location\/\{id\}/],
  ['get', '/Slots', 'search:slot-1', /which is GET \/Slot/],
  ['post', '/appointmentqq/!', 'create:appointment-1', /POST \/appointmentqq\/! does not fit .*rest:create:appointment-1, which is POST \/Appointment/],
  ['post', '/Appointment/', 'create:appointment-1', /no trailing slash/],
  ['get', '/Appointment/1/_history', 'read:appointment-1', /which is GET \/Appointment\/\{id\} or GET \/Appointment\/\{id\}\/_history\/\{vid\}/],
  ['get', '/Patient/1/Appointments', 'search:patient_appointments-1', /which is GET \/Patient\/\{id\}\/Appointment/],
  ['put', '/Appointment', 'update:appointment-1', /PUT \/Appointment does not fit .*rest:update:appointment-1, which is PUT \/Appointment\/\{id\}/],
];

describe.each(PROFILES)('requests that do not fit their Ssp-InteractionID (%s)', (profile) => {
  describe.each(FORMATS)('answered in %s', (format) => {
    it.each(MISMATCHES)(
      '%s %s with %s is 400 BAD_REQUEST naming the mismatch',
      async (method, path, interaction, diagnostics) => {
        sandbox = testSandbox({ profile });
        const res = outcome(await send(sandbox, method, path, envelope(interaction), format), format);
        expect(res).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
        expect(res.diagnostics).toMatch(diagnostics);
      },
    );
  });

  it('answers the same with --auth lenient (nothing to serve on such a path)', async () => {
    sandbox = testSandbox({ profile, auth: 'lenient' });
    expect(
      outcome(await send(sandbox, 'get', '/Patient/', envelope('search:patient-1'), 'json'), 'json'),
    ).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
  });

  it.each([
    ['with no Ssp-InteractionID', {}],
    [
      'with an Ssp-InteractionID GP Connect does not define',
      { 'Ssp-InteractionID': 'urn:nhs:names:services:gpconnect:fhir:rest:read:thing-1' },
    ],
  ])(
    'keeps 404 NO_RECORD_FOUND for a path no interaction serves, %s, listing what is served',
    async (_, header) => {
      sandbox = testSandbox({ profile });
      const { 'Ssp-InteractionID': _id, ...rest } = envelope('read:metadata-1');
      const res = outcome(await send(sandbox, 'get', '/metadatas', { ...rest, ...header }, 'json'), 'json');
      expect(res).toMatchObject({ status: 404, code: 'NO_RECORD_FOUND' });
      expect(res.diagnostics).toContain('GET /Appointment/{id}/_history/{vid}');
    },
  );

  it('keeps 404 with --auth off, which checks nothing of the envelope', async () => {
    sandbox = testSandbox({ profile, auth: 'off' });
    expect(
      outcome(await send(sandbox, 'get', '/Patient/', envelope('search:patient-1'), 'json'), 'json').status,
    ).toBe(404);
  });

  it('keeps 404 NO_RECORD_FOUND for a read of an unknown appointment id', async () => {
    sandbox = testSandbox({ profile });
    const res = outcome(
      await send(sandbox, 'get', '/Appointment/8888', envelope('read:appointment-1'), 'json'),
      'json',
    );
    expect(res).toMatchObject({ status: 404, code: 'NO_RECORD_FOUND' });
  });

  it('keeps 422 REFERENCE_NOT_FOUND for a booking of a slot that does not exist', async () => {
    sandbox = testSandbox({ profile });
    const slot = {
      id: 's1-202606020905',
      start: '2026-06-02T09:05:00+01:00',
      end: '2026-06-02T09:15:00+01:00',
    };
    const body = profile === 'careconnect' ? seedExample(slot.id) : gpcBooking({ slots: [slot] });
    const res = await sandbox.http
      .post('/Appointment')
      .set(envelope('create:appointment-1'))
      .set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify(body));
    expect(outcome(res, 'json')).toMatchObject({ status: 422, code: 'REFERENCE_NOT_FOUND' });
  });
});
