import { afterEach, describe, expect, it } from 'vitest';
import { toFhirXml } from '../../src/fhir/xml.js';
import type { ProfileName } from '../helpers/appointments.js';
import { gpcBooking, seedExample } from '../helpers/bodies.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

/**
 * Response format (README "What it serves"): `_format`, else the most specific Accept, else the
 * request's Content-Type; an Accept of `*\/*` (curl's default) or none answers in the request
 * body's format; of several Accept lines, a later one wins a tie.
 */

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

const FJ = 'application/fhir+json';
const FX = 'application/fhir+xml';
const PROFILES: ProfileName[] = ['careconnect', 'gpconnect-1.2.7'];
type Format = 'json' | 'xml';

const responseFormat = (res: { headers: Record<string, string> }): Format | string =>
  res.headers['content-type']?.startsWith(FX)
    ? 'xml'
    : res.headers['content-type']?.startsWith(FJ)
      ? 'json'
      : String(res.headers['content-type']);

/**
 * Sets each Accept value as its own header line (Node sends an array value as repeated lines);
 * none leaves the header out. superagent's types allow only a string.
 */
function setAccept(
  req: { unset(name: string): unknown; set(name: string, value: string): unknown },
  lines: string[],
) {
  req.unset('Accept');
  if (lines.length > 0) req.set('Accept', (lines.length === 1 ? lines[0]! : lines) as string);
}

/** [title, body format, Accept lines (none: no header), _format, expected response format] */
const BOOKINGS: Array<[string, Format, string[], string | undefined, Format]> = [
  ['an XML body and no Accept', 'xml', [], undefined, 'xml'],
  ['an XML body and Accept */*', 'xml', ['*/*'], undefined, 'xml'],
  ['an XML body and Accept application/*', 'xml', ['application/*'], undefined, 'xml'],
  ['a JSON body and Accept */*', 'json', ['*/*'], undefined, 'json'],
  ['an XML body and Accept fhir+json', 'xml', [FJ], undefined, 'json'],
  ['a JSON body and Accept fhir+xml', 'json', [FX], undefined, 'xml'],
  ['an XML body, Accept */* and _format fhir+json', 'xml', ['*/*'], FJ, 'json'],
  ['Accept fhir+json then a second Accept fhir+xml', 'json', [FJ, FX], undefined, 'xml'],
  ['Accept */* then a second Accept fhir+xml', 'json', ['*/*', FX], undefined, 'xml'],
  ['Accept fhir+xml then a second Accept */*', 'json', [FX, '*/*'], undefined, 'xml'],
];

describe.each(PROFILES)('content negotiation on a booking (%s)', (profile) => {
  it.each(BOOKINGS)('%s answers in the right format', async (_title, sent, accept, format, wanted) => {
    sandbox = testSandbox({ profile });
    const body = profile === 'careconnect' ? seedExample() : gpcBooking();
    const req = sandbox.http
      .post(`/Appointment${format ? `?_format=${encodeURIComponent(format)}` : ''}`)
      .set(envelope('create:appointment-1'))
      .set('Content-Type', sent === 'xml' ? FX : FJ);
    // envelope() sends Accept: application/fhir+json; replace it with the lines under test.
    setAccept(req, accept);
    const res = await req.send(sent === 'xml' ? toFhirXml(body) : JSON.stringify(body));
    expect({ status: res.status, text: res.text.slice(0, 300) }).toMatchObject({ status: 201 });
    expect(responseFormat(res)).toBe(wanted);
  });

  it.each([
    ['no Accept and an XML Content-Type', [] as string[], FX, 'xml'],
    ['Accept */* and an XML Content-Type', ['*/*'], FX, 'xml'],
    ['Accept */* and no Content-Type', ['*/*'], undefined, 'json'],
    ['two Accept lines, the FHIR XML one last', [FJ, FX], undefined, 'xml'],
  ])('a read with %s answers in the right format', async (_title, accept, contentType, wanted) => {
    sandbox = testSandbox({ profile });
    const req = sandbox.http.get('/Patient/1').set(envelope('read:patient-1'));
    setAccept(req, accept);
    if (contentType) req.set('Content-Type', contentType);
    const res = await req;
    expect(res.status).toBe(200);
    expect(responseFormat(res)).toBe(wanted);
  });

  it('answers an error to an XML body with Accept */* in XML', async () => {
    sandbox = testSandbox({ profile });
    const res = await sandbox.http
      .post('/Appointment')
      .set(envelope('create:appointment-1'))
      .set('Content-Type', FX)
      .set('Accept', '*/*')
      .send(toFhirXml({ resourceType: 'Appointment', status: 'proposed' }));
    expect(res.status).toBe(422);
    expect(responseFormat(res)).toBe('xml');
    expect(res.text).toContain('<OperationOutcome');
  });
});
