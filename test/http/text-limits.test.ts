import { afterEach, describe, expect, it } from 'vitest';
import { toFhirXml } from '../../src/fhir/xml.js';
import { bookS1, type ProfileName } from '../helpers/appointments.js';
import { gpcBooking, seedExample } from '../helpers/bodies.js';
import { expectOutcome } from '../helpers/outcome.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

/**
 * GP Connect's description (≤ 100) and comment (≤ 500) limits count characters (code points):
 * an emoji is one character, though it is two UTF-16 units.
 */

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

type Format = 'json' | 'xml';
const FORMATS: Format[] = ['json', 'xml'];
const MEDIA: Record<Format, string> = { json: 'application/fhir+json', xml: 'application/fhir+xml' };
const encode = (resource: object, format: Format) =>
  format === 'xml' ? toFhirXml(resource) : JSON.stringify(resource);
const EMOJI = '😀';

/** [title, element, text, characters, allowed in gpconnect-1.2.7] */
const CASES: Array<[string, 'description' | 'comment', string, number, boolean]> = [
  ['99 letters and an emoji', 'description', `${'a'.repeat(99)}${EMOJI}`, 100, true],
  ['100 emoji', 'description', EMOJI.repeat(100), 100, true],
  ['100 letters and an emoji', 'description', `${'a'.repeat(100)}${EMOJI}`, 101, false],
  ['499 letters and an emoji', 'comment', `${'a'.repeat(499)}${EMOJI}`, 500, true],
  ['500 letters and an emoji', 'comment', `${'a'.repeat(500)}${EMOJI}`, 501, false],
];

const PROFILES: ProfileName[] = ['careconnect', 'gpconnect-1.2.7'];
const MATRIX = PROFILES.flatMap((profile) =>
  FORMATS.flatMap((format) => CASES.map((c) => [profile, format, ...c] as const)),
);

describe('text limits count characters, not UTF-16 units', () => {
  it.each(MATRIX)(
    '%s, %s body: a booking whose %s (%s) is %s characters',
    async (profile, format, _title, element, text, n, allowed) => {
      sandbox = testSandbox({ profile });
      const body = { ...(profile === 'careconnect' ? seedExample() : gpcBooking()), [element]: text };
      const res = await sandbox.http
        .post('/Appointment')
        .set(envelope('create:appointment-1'))
        .set('Content-Type', MEDIA[format])
        .set('Accept', 'application/fhir+json')
        .send(encode(body, format));
      // careconnect has no limits beyond the body size.
      if (allowed || profile === 'careconnect') {
        expect({ status: res.status, text: res.text.slice(0, 300) }).toMatchObject({ status: 201 });
        expect(JSON.parse(res.text)[element]).toBe(text);
      } else {
        expect(expectOutcome(res, 422, 'INVALID_RESOURCE')).toMatch(
          new RegExp(`^${element} is ${n} characters; GP Connect allows at most ${n - 1}`),
        );
      }
    },
  );

  it.each(MATRIX)(
    '%s, %s body: an amend whose %s (%s) is %s characters',
    async (profile, format, _title, element, text, n, allowed) => {
      sandbox = testSandbox({ profile });
      const booked = await bookS1(sandbox, profile);
      const res = await sandbox.http
        .put(`/Appointment/${booked.id}`)
        .set(envelope('update:appointment-1'))
        .set('Content-Type', MEDIA[format])
        .set('Accept', 'application/fhir+json')
        .send(encode({ ...booked, [element]: text }, format));
      if (allowed || profile === 'careconnect') {
        expect({ status: res.status, text: res.text.slice(0, 300) }).toMatchObject({ status: 200 });
        expect(JSON.parse(res.text)[element]).toBe(text);
      } else {
        expect(expectOutcome(res, 422, 'INVALID_RESOURCE')).toMatch(
          new RegExp(`^${element} is ${n} characters; GP Connect allows at most ${n - 1}`),
        );
      }
    },
  );
});

describe('the admin fixture API counts characters too', () => {
  it.each([
    ['999 letters and an emoji', `${'a'.repeat(999)}${EMOJI}`, 201],
    ['1000 letters and an emoji', `${'a'.repeat(1000)}${EMOJI}`, 400],
  ])('a fixture appointment whose description is %s', async (_title, description, status) => {
    sandbox = testSandbox();
    const res = await sandbox.http
      .post('/_admin/appointments')
      .send({ patientId: '1', scheduleId: 's1', start: '2026-06-03T09:00:00+01:00', description });
    expect({ status: res.status, body: res.body }).toMatchObject({ status });
    if (status === 400) expect(res.body).toMatchObject({ field: 'description' });
  });
});
