import { afterEach, describe, expect, it } from 'vitest';
import {
  bookS1,
  CANCELLATION_REASON_URL,
  type ProfileName,
  putAppointment,
} from '../helpers/appointments.js';
import { expectOutcome, fhirBody, type Loose } from '../helpers/outcome.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

const PROFILES = ['careconnect', 'gpconnect-1.2.7'] as const;
const DAY = 86_400_000;

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

async function booked(profile: ProfileName): Promise<Loose> {
  sandbox = testSandbox({ profile });
  return bookS1(sandbox, profile);
}

const amend = (id: string, body: unknown, headers: Record<string, string> = {}) =>
  putAppointment(sandbox, id, body, 'update:appointment-1', headers);

describe.each(PROFILES)('amend an appointment (%s)', (profile) => {
  it('changes description and comment, bumps the version and persists it', async () => {
    const appointment = await booked(profile);
    const body = { ...appointment, description: 'Sore throat, 4 days', comment: 'Call after 10' };
    const res = await amend(appointment.id, body, { 'If-Match': 'W/"1"' });
    expect(res.status).toBe(200);
    expect(res.headers['etag']).toBe('W/"2"');
    expect(res.headers['last-modified']).toMatch(/GMT$/);
    const amended = fhirBody(res);
    expect(amended.meta.versionId).toBe('2');
    expect(amended.description).toBe('Sore throat, 4 days');
    expect(amended.comment).toBe('Call after 10');
    expect(amended.status).toBe('booked');
    const read = await sandbox.http.get(`/Appointment/${appointment.id}`).set(envelope('read:appointment-1'));
    expect(read.headers['etag']).toBe('W/"2"');
    expect(fhirBody(read)).toEqual(amended);
  });

  it('answers an unchanged PUT with 200 and the current version, changing nothing', async () => {
    const appointment = await booked(profile);
    const res = await amend(appointment.id, appointment);
    expect(res.status).toBe(200);
    expect(res.headers['etag']).toBe('W/"1"');
    expect(fhirBody(res)).toEqual(appointment);
  });

  it('removes the comment when the body leaves it out', async () => {
    const appointment = await booked(profile);
    const { comment: _comment, ...body } = appointment;
    const res = await amend(appointment.id, body);
    expect(res.status).toBe(200);
    expect(fhirBody(res).comment).toBeUndefined();
  });

  it('honours Prefer: return=minimal with an empty 200', async () => {
    const appointment = await booked(profile);
    const res = await amend(
      appointment.id,
      { ...appointment, comment: 'Quiet please' },
      { Prefer: 'return=minimal' },
    );
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(res.headers['etag']).toBe('W/"2"');
  });

  it('accepts a body without meta and the elements the provider filled, and start as an equal UTC instant', async () => {
    const appointment = await booked(profile);
    const { meta: _meta, serviceType: _st, serviceCategory: _sc, created: _created, ...body } = appointment;
    body.extension = (body.extension ?? []).filter(
      (e: Loose) => !/PractitionerRole|DeliveryChannel/.test(e.url),
    );
    body.start = '2026-06-02T08:00:00Z';
    body.participant = [...body.participant].reverse();
    const res = await amend(appointment.id, { ...body, description: 'Rebuilt' });
    expect(res.status).toBe(200);
    const amended = fhirBody(res);
    expect(amended.start).toBe('2026-06-02T09:00:00+01:00');
    expect(amended.serviceType).toEqual(appointment.serviceType);
    expect(amended.extension).toEqual(appointment.extension);
    expect(amended.participant).toEqual(appointment.participant);
  });

  type Row = [string, (b: Loose) => void, number, string, RegExp];
  const rows: Row[] = [
    [
      'priority added',
      (b) => (b.priority = 1),
      422,
      'INVALID_RESOURCE',
      /^priority changed \(added 1\): only description and comment may change on an amend/,
    ],
    [
      'a participant added',
      (b) => b.participant.push({ actor: { reference: 'Practitioner/p2' }, status: 'accepted' }),
      422,
      'INVALID_RESOURCE',
      /participant\[\d\] changed \(added/,
    ],
    [
      'a participant status changed',
      (b) => (b.participant[0].status = 'declined'),
      422,
      'INVALID_RESOURCE',
      /participant\[0\]\.status changed/,
    ],
    [
      'the slot changed',
      (b) => (b.slot = [{ reference: 'Slot/s1-202606020910' }]),
      422,
      'INVALID_RESOURCE',
      /slot\[0\]\.reference changed/,
    ],
    [
      'start moved',
      (b) => (b.start = '2026-06-02T09:10:00+01:00'),
      422,
      'INVALID_RESOURCE',
      /^start changed/,
    ],
    ['an unknown element', (b) => (b.colour = 'blue'), 422, 'INVALID_RESOURCE', /colour changed/],
    [
      'status cancelled on an amend',
      (b) => (b.status = 'cancelled'),
      422,
      'INVALID_RESOURCE',
      /an amend cannot cancel.*rest:cancel:appointment-1/,
    ],
    [
      'status removed',
      (b) => delete b.status,
      422,
      'INVALID_RESOURCE',
      /status changed \(removed "booked"\)/,
    ],
    [
      'a cancellation reason added',
      (b) => (b.extension = [...(b.extension ?? []), { url: CANCELLATION_REASON_URL, valueString: 'x' }]),
      422,
      'INVALID_RESOURCE',
      /extension\[\d\] is a cancellation reason/,
    ],
    [
      'a blank description',
      (b) => (b.description = '  '),
      422,
      'INVALID_RESOURCE',
      /description must not be blank/,
    ],
    ['a numeric comment', (b) => (b.comment = 5), 422, 'INVALID_RESOURCE', /comment must be a string/],
    [
      'another resource type',
      (b) => (b.resourceType = 'Patient'),
      422,
      'INVALID_RESOURCE',
      /resourceType must be "Appointment"/,
    ],
    [
      'a body id that is not the URL id',
      (b) => (b.id = '999'),
      400,
      'BAD_REQUEST',
      /id in the body \("999"\) is not the id in the URL/,
    ],
    ['no id in the body', (b) => delete b.id, 400, 'BAD_REQUEST', /id is required in the body/],
  ];
  if (profile === 'gpconnect-1.2.7') {
    rows.push(
      [
        'a description over 100 characters',
        (b) => (b.description = 'x'.repeat(101)),
        422,
        'INVALID_RESOURCE',
        /description is 101 characters.*at most 100/,
      ],
      [
        'a comment over 500 characters',
        (b) => (b.comment = 'x'.repeat(501)),
        422,
        'INVALID_RESOURCE',
        /comment is 501 characters.*at most 500/,
      ],
      [
        'the description removed',
        (b) => delete b.description,
        422,
        'INVALID_RESOURCE',
        /description was removed/,
      ],
      [
        'serviceType text changed',
        (b) => (b.serviceType[0].text = 'Other'),
        422,
        'INVALID_RESOURCE',
        /serviceType\[0\]\.text changed/,
      ],
      [
        'the booking organisation renamed',
        (b) => (b.contained[0].name = 'Other'),
        422,
        'INVALID_RESOURCE',
        /contained\[0\]\.name changed/,
      ],
      [
        'the booking organisation extension removed',
        (b) => b.extension.splice(0, 1),
        422,
        'INVALID_RESOURCE',
        /extension\[0\] changed \(removed/,
      ],
    );
  }
  it.each(rows)('refuses %s', async (_title, mutate, status, code, diagnostics) => {
    const appointment = await booked(profile);
    const body = structuredClone(appointment);
    mutate(body);
    expect(expectOutcome(await amend(appointment.id, body), status, code)).toMatch(diagnostics);
    const read = await sandbox.http.get(`/Appointment/${appointment.id}`).set(envelope('read:appointment-1'));
    expect(fhirBody(read)).toEqual(appointment);
  });

  if (profile === 'careconnect') {
    it('has no text limits and lets the description go', async () => {
      const appointment = await booked(profile);
      const { description: _d, ...body } = appointment;
      const res = await amend(appointment.id, { ...body, comment: 'x'.repeat(2000) });
      expect(res.status).toBe(200);
      expect(fhirBody(res).description).toBeUndefined();
    });
  }

  it('refuses a stale If-Match with 409 FHIR_CONSTRAINT_VIOLATION', async () => {
    const appointment = await booked(profile);
    expect(
      (await amend(appointment.id, { ...appointment, comment: 'first' }, { 'If-Match': 'W/"1"' })).status,
    ).toBe(200);
    const stale = await amend(appointment.id, { ...appointment, comment: 'second' }, { 'If-Match': 'W/"1"' });
    expect(expectOutcome(stale, 409, 'FHIR_CONSTRAINT_VIOLATION')).toMatch(
      /If-Match "W\/\\"1\\"" does not match.*W\/"2"/,
    );
  });

  it('refuses an unknown appointment with 404 NO_RECORD_FOUND', async () => {
    const appointment = await booked(profile);
    const res = await amend('404', { ...appointment, id: '404' });
    expect(expectOutcome(res, 404, 'NO_RECORD_FOUND')).toContain('Appointment/404');
  });

  it('refuses to amend a cancelled appointment', async () => {
    const appointment = await booked(profile);
    const cancel = structuredClone(appointment);
    cancel.status = 'cancelled';
    cancel.extension = [
      ...(cancel.extension ?? []),
      { url: CANCELLATION_REASON_URL, valueString: 'No longer needed' },
    ];
    expect((await putAppointment(sandbox, appointment.id, cancel, 'cancel:appointment-1')).status).toBe(200);
    const res = await amend(appointment.id, { ...cancel, comment: 'too late' });
    expect(expectOutcome(res, 422, 'INVALID_RESOURCE')).toMatch(
      /is cancelled, and a cancelled appointment cannot be amended/,
    );
  });

  it('refuses to amend a past appointment', async () => {
    const appointment = await booked(profile);
    sandbox.core.clock.advance(2 * DAY);
    const res = await amend(appointment.id, { ...appointment, comment: 'late' });
    expect(expectOutcome(res, 422, 'INVALID_RESOURCE')).toMatch(
      /cannot be amended: it started at .* not in the future/,
    );
  });
});
