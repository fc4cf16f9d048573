import { afterEach, describe, expect, it } from 'vitest';
import { asCancel, bookS1, putAppointment } from '../helpers/appointments.js';
import { entries, expectOutcome, fhirBody } from '../helpers/outcome.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

const PROFILES = ['careconnect', 'gpconnect-1.2.7'] as const;
const HOUR = 3_600_000;

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

function retrieve(sb: TestSandbox, patientId: string, query: string) {
  return sb.http
    .get(`/Patient/${patientId}/Appointment?${query}`)
    .set(envelope('search:patient_appointments-1'));
}

describe.each(PROFILES)("retrieve a patient's appointments (%s)", (profile) => {
  it("returns the appointments in the range, cancelled ones included, and no one else's", async () => {
    sandbox = testSandbox({ profile });
    const later = await bookS1(sandbox, profile, { date: '2026-06-05', time: '10:00' });
    const first = await bookS1(sandbox, profile, { date: '2026-06-02', time: '09:00' });
    const cancelled = await bookS1(sandbox, profile, { date: '2026-06-03', time: '09:00' });
    await bookS1(sandbox, profile, { date: '2026-06-02', time: '11:00', patientId: '2' });
    await bookS1(sandbox, profile, { date: '2026-06-20', time: '09:00' });
    expect(
      (await putAppointment(sandbox, cancelled.id, asCancel(cancelled), 'cancel:appointment-1')).status,
    ).toBe(200);

    const res = await retrieve(sandbox, '1', 'start=ge2026-06-01&start=le2026-06-05&_sort=start&_count=1');
    expect(res.status).toBe(200);
    const found = entries(res);
    expect(found.map((a) => a.id)).toEqual([first.id, cancelled.id, later.id]);
    expect(found.map((a) => a.status)).toEqual(['booked', 'cancelled', 'booked']);
    expect(fhirBody(res).total).toBe(3);
    expect(found[0]).toEqual(first);
  });

  it('returns an empty searchset when the patient has none', async () => {
    sandbox = testSandbox({ profile });
    const res = await retrieve(sandbox, '3', 'start=ge2026-06-01&start=le2026-06-30');
    expect(res.status).toBe(200);
    expect(entries(res)).toEqual([]);
  });

  it('includes an appointment earlier today, but not one on a past day', async () => {
    sandbox = testSandbox({ profile });
    const today = await bookS1(sandbox, profile, { date: '2026-06-01', time: '09:00' });
    sandbox.core.clock.advance(2 * HOUR);
    const res = await retrieve(sandbox, '1', 'start=ge2026-06-01&start=le2026-06-01');
    expect(entries(res).map((a) => a.id)).toEqual([today.id]);
    sandbox.core.clock.advance(24 * HOUR);
    expect(entries(await retrieve(sandbox, '1', 'start=ge2026-06-02&start=le2026-06-30'))).toEqual([]);
  });

  it.each(['nobody', 'dd'])('refuses the unknown patient %s with 404 PATIENT_NOT_FOUND', async (id) => {
    sandbox = testSandbox({ profile });
    const res = await retrieve(sandbox, id, 'start=ge2026-06-01&start=le2026-06-30');
    expect(expectOutcome(res, 404, 'PATIENT_NOT_FOUND')).toContain(`Patient/${id}`);
  });

  it.each([
    ['no start', '_sort=start', /start was sent no times: send exactly two/],
    ['one start', 'start=ge2026-06-02', /start was sent 1 time: send exactly two/],
    ['three starts', 'start=ge2026-06-02&start=le2026-06-03&start=le2026-06-04', /sent 3 times/],
    ['two ge', 'start=ge2026-06-02&start=ge2026-06-03', /start=ge was sent twice/],
    [
      'a gt prefix',
      'start=gt2026-06-02&start=le2026-06-03',
      /start "gt2026-06-02" must have the prefix ge or le/,
    ],
    ['no prefix', 'start=2026-06-02&start=le2026-06-03', /start "2026-06-02" must have the prefix/],
    [
      'a time component',
      `start=ge${encodeURIComponent('2026-06-02T09:00:00+01:00')}&start=le2026-06-03`,
      /has a time: send dates only/,
    ],
    ['a partial date', 'start=ge2026-06&start=le2026-06-03', /start "ge2026-06" is not a date/],
    ['an impossible date', 'start=ge2026-06-31&start=le2026-07-03', /is not a date/],
    [
      'a past ge date',
      'start=ge2026-05-31&start=le2026-06-03',
      /start "ge2026-05-31" is in the past: past dates cannot be searched/,
    ],
    ['a past le date', 'start=ge2026-06-01&start=le2026-05-31', /past dates cannot be searched/],
    [
      'le before ge',
      'start=ge2026-06-05&start=le2026-06-03',
      /start=le2026-06-03 is before start=ge2026-06-05/,
    ],
  ])('refuses %s with 422 INVALID_PARAMETER', async (_title, query, diagnostics) => {
    sandbox = testSandbox({ profile });
    expect(expectOutcome(await retrieve(sandbox, '1', query), 422, 'INVALID_PARAMETER')).toMatch(diagnostics);
  });
});
