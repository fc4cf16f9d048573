import { afterEach, describe, expect, it } from 'vitest';
import {
  asCancel,
  bookS1,
  CANCELLATION_REASON_URL,
  type ProfileName,
  putAppointment,
} from '../helpers/appointments.js';
import { entries, expectOutcome, fhirBody, type Loose } from '../helpers/outcome.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

const PROFILES = ['careconnect', 'gpconnect-1.2.7'] as const;
const DAY = 86_400_000;
const SLOT = 's1-202606020900';

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

async function booked(profile: ProfileName, options: Parameters<typeof testSandbox>[0] = {}): Promise<Loose> {
  sandbox = testSandbox({ profile, ...options });
  return bookS1(sandbox, profile);
}

const cancel = (id: string, body: unknown, headers: Record<string, string> = {}) =>
  putAppointment(sandbox, id, body, 'cancel:appointment-1', headers);

async function slotIsFree(): Promise<boolean> {
  const res = await sandbox.http
    .get('/Slot?status=free&start=ge2026-06-02&end=le2026-06-02&_include=Slot:schedule')
    .set(envelope('search:slot-1'));
  return entries(res, 'Slot').some((s) => s.id === SLOT);
}

describe.each(PROFILES)('cancel an appointment (%s)', (profile) => {
  it('cancels with a reason, bumps the version and frees the slot', async () => {
    const appointment = await booked(profile);
    expect(await slotIsFree()).toBe(false);
    const res = await cancel(appointment.id, asCancel(appointment, 'Feeling better'), {
      'If-Match': 'W/"1"',
    });
    expect(res.status).toBe(200);
    expect(res.headers['etag']).toBe('W/"2"');
    const cancelled = fhirBody(res);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.meta.versionId).toBe('2');
    expect(cancelled.extension).toContainEqual({
      url: CANCELLATION_REASON_URL,
      valueString: 'Feeling better',
    });
    expect(cancelled.description).toBe(appointment.description);
    expect(await slotIsFree()).toBe(true);
    const state = await sandbox.http.get('/_admin/state');
    expect(state.body.slots.find((s: Loose) => s.id === SLOT).status).toBe('free');
    // The freed slot books again.
    expect((await bookS1(sandbox, profile, { patientId: '2' })).slot).toEqual([
      { reference: `Slot/${SLOT}` },
    ]);
  });

  it('answers a repeated cancel with 200 and the same version, touching nothing', async () => {
    const appointment = await booked(profile);
    const first = fhirBody(await cancel(appointment.id, asCancel(appointment)));
    await bookS1(sandbox, profile, { patientId: '2' });
    const again = await cancel(appointment.id, first);
    expect(again.status).toBe(200);
    expect(again.headers['etag']).toBe('W/"2"');
    expect(fhirBody(again)).toEqual(first);
    expect(await slotIsFree()).toBe(false);
  });

  it('honours Prefer: return=minimal', async () => {
    const appointment = await booked(profile);
    const res = await cancel(appointment.id, asCancel(appointment), { Prefer: 'return=minimal' });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(await slotIsFree()).toBe(true);
  });

  type Row = [string, (b: Loose) => void, number, string, RegExp];
  const reason = (b: Loose) => b.extension.find((e: Loose) => e.url === CANCELLATION_REASON_URL);
  const rows: Row[] = [
    [
      'no cancellation reason',
      (b) => (b.extension = b.extension.filter((e: Loose) => e.url !== CANCELLATION_REASON_URL)),
      422,
      'INVALID_RESOURCE',
      /cancellation reason must be provided/,
    ],
    [
      'an empty reason',
      (b) => (reason(b).valueString = ''),
      422,
      'INVALID_PARAMETER',
      /extension\[\d\]\.valueString is empty/,
    ],
    [
      'a reason with no value',
      (b) => delete reason(b).valueString,
      422,
      'INVALID_PARAMETER',
      /valueString is missing/,
    ],
    [
      'a reason as valueCode',
      (b) => {
        delete reason(b).valueString;
        reason(b).valueCode = 'x';
      },
      422,
      'INVALID_RESOURCE',
      /carries valueCode/,
    ],
    [
      'a misspelled reason url',
      (b) => (reason(b).url = CANCELLATION_REASON_URL.replace('Reason-1', 'Reason-2')),
      422,
      'INVALID_RESOURCE',
      /extension\[\d\]\.url ".*Reason-2" is not an extension of this appointment/,
    ],
    [
      'status left booked',
      (b) => (b.status = 'booked'),
      422,
      'INVALID_RESOURCE',
      /status must be "cancelled" on a cancel/,
    ],
    [
      'the description changed',
      (b) => (b.description = 'Free text description updated.'),
      422,
      'INVALID_RESOURCE',
      /^description changed .*only status/,
    ],
    ['the comment changed', (b) => (b.comment = 'Other'), 422, 'INVALID_RESOURCE', /^comment changed/],
    [
      'a participant added',
      (b) => b.participant.push({ actor: { reference: 'Location/l2' }, status: 'accepted' }),
      422,
      'INVALID_RESOURCE',
      /participant\[\d\] changed \(added/,
    ],
    [
      'an absolute participant reference',
      (b) => (b.participant[0].actor.reference = 'https://example.org/Patient/1'),
      422,
      'INVALID_RESOURCE',
      /participant\[0\] changed/,
    ],
    ['a body id that is not the URL id', (b) => (b.id = 'x'), 400, 'BAD_REQUEST', /is not the id in the URL/],
  ];
  if (profile === 'gpconnect-1.2.7') {
    rows.push([
      'the service type text changed',
      (b) => (b.serviceType[0].text = 'Other'),
      422,
      'INVALID_RESOURCE',
      /serviceType\[0\]\.text changed/,
    ]);
  }
  it.each(rows)('refuses %s', async (_title, mutate, status, code, diagnostics) => {
    const appointment = await booked(profile);
    const body = asCancel(appointment);
    mutate(body);
    expect(expectOutcome(await cancel(appointment.id, body), status, code)).toMatch(diagnostics);
    expect(await slotIsFree()).toBe(false);
  });

  it('refuses a stale If-Match with 409 FHIR_CONSTRAINT_VIOLATION', async () => {
    const appointment = await booked(profile);
    const res = await cancel(appointment.id, asCancel(appointment), { 'If-Match': 'W/"7"' });
    expectOutcome(res, 409, 'FHIR_CONSTRAINT_VIOLATION');
    expect(await slotIsFree()).toBe(false);
  });

  it('refuses to cancel a past appointment', async () => {
    const appointment = await booked(profile);
    sandbox.core.clock.advance(2 * DAY);
    const res = await cancel(appointment.id, asCancel(appointment));
    expect(expectOutcome(res, 422, 'INVALID_RESOURCE')).toMatch(/cannot be cancelled: it started at/);
  });

  it('tells amend from cancel by the body when auth is off and no interaction is sent', async () => {
    const appointment = await booked(profile, { auth: 'off' });
    const put = (body: unknown) =>
      sandbox.http
        .put(`/Appointment/${appointment.id}`)
        .set('Content-Type', 'application/fhir+json')
        .send(JSON.stringify(body));
    const amended = await put({ ...appointment, comment: 'amended' });
    expect(amended.status).toBe(200);
    expect(fhirBody(amended).status).toBe('booked');
    const cancelled = await put(asCancel(fhirBody(amended)));
    expect(cancelled.status).toBe(200);
    expect(fhirBody(cancelled)).toMatchObject({ status: 'cancelled', meta: { versionId: '3' } });
  });
});
