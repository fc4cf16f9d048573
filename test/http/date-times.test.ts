import { afterEach, describe, expect, it } from 'vitest';
import { toFhirXml } from '../../src/fhir/xml.js';
import { CANCELLATION_REASON_URL, type ProfileName } from '../helpers/appointments.js';
import { gpcBooking, seedExample } from '../helpers/bodies.js';
import { expectOutcome, type Loose } from '../helpers/outcome.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

/**
 * A dateTime the sandbox stores from a request (created above all) is stored as the instant it
 * names and served in UK local time, `yyyy-mm-ddThh:mm:ss+hh:mm`; X-Sandbox-Warning says what the
 * spec asks for when the sent form differed, or when it lies after the sandbox's now (frozen at
 * 2026-06-01T08:00:00+01:00 here). One that names no instant is 422 INVALID_RESOURCE naming it.
 */

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

type Format = 'json' | 'xml';
const FORMATS: Format[] = ['json', 'xml'];
const PROFILES: ProfileName[] = ['careconnect', 'gpconnect-1.2.7'];
const MEDIA: Record<Format, string> = { json: 'application/fhir+json', xml: 'application/fhir+xml' };
const encode = (resource: object, format: Format) =>
  format === 'xml' ? toFhirXml(resource) : JSON.stringify(resource);

/** [title, created as sent, as stored and served, the warning (undefined: none)] */
const ACCEPTED: Array<[string, string, string, RegExp | undefined]> = [
  ['the spec form', '2026-06-01T07:55:00+01:00', '2026-06-01T07:55:00+01:00', undefined],
  ['UTC with milliseconds', '2026-06-01T06:55:12.345Z', '2026-06-01T07:55:12+01:00', /UK local time/],
  [
    '.NET seven-digit fraction',
    '2026-06-01T06:55:12.5597110+00:00',
    '2026-06-01T07:55:12+01:00',
    /no fraction/,
  ],
  ['a BST date with +00:00', '2026-06-01T06:30:00+00:00', '2026-06-01T07:30:00+01:00', /was stored as/],
  ['another zone', '2026-06-01T01:55:00-05:00', '2026-06-01T07:55:00+01:00', /was stored as/],
  [
    'a GMT date written with Z',
    '2026-01-15T10:00:00Z',
    '2026-01-15T10:00:00+00:00',
    /yyyy-mm-ddThh:mm:ss\+hh:mm/,
  ],
  ['a future year', '2027-01-01T10:00:00+00:00', '2027-01-01T10:00:00+00:00', /lies after the sandbox's now/],
  [
    'a future time in another form',
    '2026-06-01T09:00:00.5Z',
    '2026-06-01T10:00:00+01:00',
    /was stored as 2026-06-01T10:00:00\+01:00.*lies after the sandbox's now \(2026-06-01T08:00:00\+01:00\)/,
  ],
];

/** [title, created as sent, what the diagnostics say] */
const REFUSED: Array<[string, string, RegExp]> = [
  ['a date alone', '2026-06-01', /^created "2026-06-01" is a date without a time of day/],
  ['a year alone', '2026', /^created "2026" is a date without a time of day/],
  ['no zone', '2026-06-01T07:55:00', /^created "2026-06-01T07:55:00" has no zone/],
  ['no zone with a fraction', '2026-06-01T07:55:00.123', /has no zone/],
  ['no seconds', '2026-06-01T07:55+01:00', /has no seconds/],
  ['an offset without a colon', '2026-06-01T07:55:00+0100', /malformed offset "\+0100"/],
  ['a one-digit offset hour', '2026-06-01T07:55:00+1:00', /malformed offset "\+1:00"/],
  ['an offset beyond +14:00', '2026-06-01T07:55:00+15:00', /malformed offset/],
  ['an impossible date', '2026-02-30T07:55:00+00:00', /is not a real date and time/],
  ['an impossible hour', '2026-06-01T25:00:00+01:00', /is not a real date and time/],
  ['not a dateTime', 'yesterday', /is not a FHIR dateTime/],
];

function booking(profile: ProfileName): Record<string, unknown> {
  return profile === 'careconnect' ? seedExample() : gpcBooking();
}

function post(sb: TestSandbox, body: object, format: Format) {
  return sb.http
    .post('/Appointment')
    .set(envelope('create:appointment-1'))
    .set('Content-Type', MEDIA[format])
    .set('Accept', 'application/fhir+json')
    .send(encode(body, format));
}

const matrix = <T extends unknown[]>(rows: T[]) =>
  PROFILES.flatMap((p) => FORMATS.flatMap((f) => rows.map((r) => [p, f, ...r] as const)));

describe('created on a booking', () => {
  it.each(matrix(ACCEPTED))(
    '%s, %s body: %s is stored as the instant it names',
    async (profile, format, _title, sent, stored, warning) => {
      sandbox = testSandbox({ profile });
      const res = await post(sandbox, { ...booking(profile), created: sent }, format);
      expect({ status: res.status, text: res.text.slice(0, 300) }).toMatchObject({ status: 201 });
      const appointment = JSON.parse(res.text);
      expect(appointment.created).toBe(stored);
      if (warning) expect(res.headers['x-sandbox-warning']).toMatch(warning);
      else expect(res.headers['x-sandbox-warning']).toBeUndefined();
      const read = await sandbox.http
        .get(`/Appointment/${appointment.id}`)
        .set(envelope('read:appointment-1'));
      expect(JSON.parse(read.text).created).toBe(stored);
      const state = await sandbox.http.get('/_admin/state');
      expect(state.body.appointments[0].created).toBe(stored);
    },
  );

  it.each(matrix(REFUSED))(
    '%s, %s body: %s is refused naming created',
    async (profile, format, _title, sent, diagnostics) => {
      sandbox = testSandbox({ profile });
      const res = await post(sandbox, { ...booking(profile), created: sent }, format);
      expect(expectOutcome(res, 422, 'INVALID_RESOURCE')).toMatch(diagnostics);
    },
  );

  it.each(PROFILES)('%s: X-Sandbox-Warning spells ± as +/- (header values are ASCII)', async (profile) => {
    sandbox = testSandbox({ profile });
    const res = await post(sandbox, { ...booking(profile), created: '2026-05-29T10:00:00' }, 'json');
    expect(res.status).toBe(422);
    expect(res.headers['x-sandbox-warning']).toContain('(Z or +/-hh:mm)');
    expect(res.headers['x-sandbox-warning']).not.toContain('?');
  });

  it.each(PROFILES)('%s: a created that is not a string is refused naming created', async (profile) => {
    sandbox = testSandbox({ profile });
    const res = await post(sandbox, { ...booking(profile), created: 20260601 }, 'json');
    expect(expectOutcome(res, 422, 'INVALID_RESOURCE')).toMatch(/^created must be a string/);
  });
});

describe('other dateTimes kept from a booking body', () => {
  it.each(FORMATS)('careconnect, %s body: requestedPeriod and an extension valueDateTime', async (format) => {
    sandbox = testSandbox({ profile: 'careconnect' });
    const body = {
      ...seedExample(),
      extension: [{ url: 'https://example.org/fhir/booked-at', valueDateTime: '2026-06-01T06:50:00.25Z' }],
      requestedPeriod: [{ start: '2026-06-02T08:00:00Z', end: '2026-06-02T09:00:00+01:00' }],
    };
    const res = await post(sandbox, body, format);
    expect({ status: res.status, text: res.text.slice(0, 300) }).toMatchObject({ status: 201 });
    const appointment = JSON.parse(res.text);
    expect(appointment.extension).toEqual([
      { url: 'https://example.org/fhir/booked-at', valueDateTime: '2026-06-01T07:50:00+01:00' },
    ]);
    expect(appointment.requestedPeriod).toEqual([
      { start: '2026-06-02T09:00:00+01:00', end: '2026-06-02T09:00:00+01:00' },
    ]);
    expect(res.headers['x-sandbox-warning']).toMatch(
      /extension\[0\]\.valueDateTime "2026-06-01T06:50:00.25Z"/,
    );
    expect(res.headers['x-sandbox-warning']).toMatch(/requestedPeriod\[0\]\.start "2026-06-02T08:00:00Z"/);
  });

  it.each(FORMATS)(
    'careconnect, %s body: a requestedPeriod.start naming no instant is refused',
    async (format) => {
      sandbox = testSandbox({ profile: 'careconnect' });
      const res = await post(
        sandbox,
        { ...seedExample(), requestedPeriod: [{ start: '2026-06-02' }] },
        format,
      );
      expect(expectOutcome(res, 422, 'INVALID_RESOURCE')).toMatch(
        /^requestedPeriod\[0\]\.start "2026-06-02" is a date without a time of day/,
      );
    },
  );

  it.each(FORMATS)(
    "gpconnect-1.2.7, %s body: the contained organisation's meta.lastUpdated",
    async (format) => {
      sandbox = testSandbox({ profile: 'gpconnect-1.2.7' });
      const body = gpcBooking();
      const contained = body['contained'] as Array<Record<string, Loose>>;
      contained[0]!['meta'] = { ...contained[0]!['meta'], lastUpdated: '2026-05-01T12:00:00.1234Z' };
      const res = await post(sandbox, body, format);
      expect({ status: res.status, text: res.text.slice(0, 300) }).toMatchObject({ status: 201 });
      expect(JSON.parse(res.text).contained[0].meta.lastUpdated).toBe('2026-05-01T13:00:00+01:00');
      expect(res.headers['x-sandbox-warning']).toMatch(/contained\[0\]\.meta\.lastUpdated/);

      contained[0]!['meta'] = { ...contained[0]!['meta'], lastUpdated: '2026-05-01T12:00:00' };
      const refused = await post(sandbox, { ...body, slot: [{ reference: 'Slot/s1-202606020910' }] }, format);
      expect(expectOutcome(refused, 422, 'INVALID_RESOURCE')).toMatch(
        /^contained\[0\]\.meta\.lastUpdated "2026-05-01T12:00:00" has no zone/,
      );
    },
  );
});

/** The read-back appointment as an amend (description changed) or a cancel, with created replaced. */
function putBody(appointment: Loose, operation: 'amend' | 'cancel', created: string): Loose {
  const body = { ...structuredClone(appointment), created };
  if (operation === 'amend') return { ...body, description: 'Now a cough as well' };
  return {
    ...body,
    status: 'cancelled',
    extension: [...(body.extension ?? []), { url: CANCELLATION_REASON_URL, valueString: 'Feels better' }],
  };
}

const PUTS = (['amend', 'cancel'] as const).flatMap((operation) =>
  matrix<[string, string, number, RegExp]>([
    [
      'the stored instant in another form',
      '2026-06-01T06:55:00.000Z',
      200,
      /created "2026-06-01T06:55:00.000Z" was stored as/,
    ],
    ['the stored instant with a fraction', '2026-06-01T07:55:00.9+01:00', 200, /no fraction/],
    ['a date alone', '2026-06-01', 422, /^created "2026-06-01" is a date without a time of day/],
    ['no zone', '2026-06-01T07:55:00', 422, /^created "2026-06-01T07:55:00" has no zone/],
    ['another instant', '2026-06-01T06:56:00Z', 422, /^created changed/],
  ]).map((row) => [operation, ...row] as const),
);

describe('created on an amend or a cancel', () => {
  it.each(PUTS)(
    '%s, %s, %s body: %s',
    async (operation, profile, format, _title, created, status, message) => {
      sandbox = testSandbox({ profile });
      const posted = await post(
        sandbox,
        { ...booking(profile), created: '2026-06-01T07:55:00+01:00' },
        'json',
      );
      expect(posted.status).toBe(201);
      const booked = JSON.parse(posted.text);
      const stored = booked.created as string;
      const res = await sandbox.http
        .put(`/Appointment/${booked.id}`)
        .set(envelope(operation === 'amend' ? 'update:appointment-1' : 'cancel:appointment-1'))
        .set('Content-Type', MEDIA[format])
        .set('Accept', 'application/fhir+json')
        .send(encode(putBody(booked, operation, created), format));
      if (status === 200) {
        expect({ status: res.status, text: res.text.slice(0, 300) }).toMatchObject({ status: 200 });
        expect(JSON.parse(res.text).created).toBe(stored);
        expect(res.headers['x-sandbox-warning']).toMatch(message);
      } else {
        expect(expectOutcome(res, 422, 'INVALID_RESOURCE')).toMatch(message);
      }
    },
  );
});

describe('the admin fixture API stores created the same way', () => {
  it('stores a created with a fraction and Z as UK local time', async () => {
    sandbox = testSandbox();
    const res = await sandbox.http.post('/_admin/appointments').send({
      patientId: '1',
      scheduleId: 's1',
      start: '2026-06-03T09:00:00+01:00',
      created: '2026-05-20T10:00:00.5597110Z',
    });
    expect(res.status).toBe(201);
    const state = await sandbox.http.get('/_admin/state');
    expect(state.body.appointments[0].created).toBe('2026-05-20T11:00:00+01:00');
  });
});
