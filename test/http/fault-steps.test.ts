import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSandbox } from '../../src/index.js';
import type { ProfileName } from '../helpers/appointments.js';
import { gpcBooking, seedExample } from '../helpers/bodies.js';
import { expectOutcome, fhirBody } from '../helpers/outcome.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

/**
 * Fault steps that act on some interactions only (`emptyBundle` on searches, `steal` on bookings):
 * refused when armed (admin API, scenario file, X-Sandbox-Fault) if they cannot act on what they
 * match, and passed over at run time on a request they cannot act on. Before, an `emptyBundle`
 * rule on `POST /Appointment` was armed and answered every booking 200 with an empty searchset.
 */

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

const PROFILES: ProfileName[] = ['careconnect', 'gpconnect-1.2.7'];
const SLOT_SEARCH = '/Slot?status=free&start=ge2026-06-02&end=le2026-06-02&_include=Slot:schedule';

function bookingBody(profile: ProfileName): string {
  const body =
    profile === 'careconnect'
      ? seedExample('s1-202606020900', '1')
      : gpcBooking({
          slots: [
            { id: 's1-202606020900', start: '2026-06-02T09:00:00+01:00', end: '2026-06-02T09:10:00+01:00' },
          ],
          patientId: '1',
        });
  return JSON.stringify(body);
}

function book(profile: ProfileName, headers: Record<string, string> = {}) {
  return sandbox.http
    .post('/Appointment')
    .set(envelope('create:appointment-1', headers))
    .set('Content-Type', 'application/fhir+json')
    .send(bookingBody(profile));
}

async function appointments(): Promise<number> {
  return (await sandbox.http.get('/_admin/state')).body.counts.appointments;
}

describe.each(PROFILES)('fault steps and the interaction they meet (%s)', (profile) => {
  const refusedRules: Array<[string, Record<string, unknown>, string, string]> = [
    [
      'emptyBundle on POST /Appointment',
      { when: { path: '/Appointment' }, emptyBundle: true },
      'when.path',
      'rule "eb": when.path: emptyBundle answers searches; /Appointment is POST /Appointment (book an appointment)',
    ],
    [
      'emptyBundle on the create interaction',
      { when: { interaction: 'rest:create:appointment-1' }, emptyBundle: true },
      'when.interaction',
      'rest:create:appointment-1 is not one',
    ],
    [
      'emptyBundle on PUT',
      { when: { method: 'PUT' }, emptyBundle: true },
      'when.method',
      'rule "eb": when.method: emptyBundle answers searches, which are GET requests',
    ],
    [
      'steal on the slot search',
      { when: { method: 'GET', path: '/Slot' }, steal: true },
      'when.method',
      'steal acts on bookings, which are POST requests',
    ],
  ];

  it.each(refusedRules)(
    'POST /_admin/faults refuses %s with 400 {error, field}',
    async (_t, rule, field, error) => {
      sandbox = testSandbox({ profile });
      for (const session of [{}, { 'X-Sandbox-Session': 'steps-1' }]) {
        const res = await sandbox.http
          .post('/_admin/faults')
          .set(session)
          .send({ name: 'eb', ...rule });
        expect(res.status).toBe(400);
        expect(res.body).toEqual({ error: expect.stringContaining(error), field });
        expect((await sandbox.http.get('/_admin/faults').set(session)).body).toEqual([]);
      }
    },
  );

  it('refuses such a rule in a scenario file, naming the file, the rule and the field', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gpc-steps-')), 'eb.json');
    writeFileSync(
      file,
      JSON.stringify({
        description: 'empty bookings',
        rules: [{ name: 'eb', when: { interaction: 'rest:create:appointment-1' }, emptyBundle: true }],
      }),
    );
    expect(() => createSandbox({ profile, scenario: file })).toThrow(
      /eb\.json: rules\[0\] "eb": when\.interaction: emptyBundle answers searches .*; rest:create:appointment-1 is not one/,
    );
  });

  it.each(['application/fhir+json', 'application/fhir+xml'])(
    'answers X-Sandbox-Fault: emptyBundle on a booking with 400 BAD_REQUEST, and books nothing (%s)',
    async (accept) => {
      sandbox = testSandbox({ profile });
      const res = await book(profile, { 'X-Sandbox-Fault': 'emptyBundle', Accept: accept });
      expect(res.status).toBe(400);
      const expected =
        'X-Sandbox-Fault: emptyBundle: emptyBundle answers searches; this request is POST /Appointment (book an appointment), not one';
      if (accept === 'application/fhir+json') {
        expect(expectOutcome(res, 400, 'BAD_REQUEST')).toBe(expected);
      } else {
        expect(res.text).toContain('<code value="BAD_REQUEST"/>');
        expect(res.text).toContain(`<diagnostics value="${expected}"/>`);
      }
      expect(await appointments()).toBe(0);
    },
  );

  it('answers X-Sandbox-Fault: steal on a slot search with 400 BAD_REQUEST', async () => {
    sandbox = testSandbox({ profile });
    const res = await sandbox.http
      .get(SLOT_SEARCH)
      .set(envelope('search:slot-1', { 'X-Sandbox-Fault': 'steal' }));
    expect(expectOutcome(res, 400, 'BAD_REQUEST')).toBe(
      'X-Sandbox-Fault: steal: steal acts on bookings; this request is GET /Slot (search for free slots), not one',
    );
  });

  it('lets a one-off rule whose when does not hold pass a request it cannot act on', async () => {
    sandbox = testSandbox({ profile });
    const header = JSON.stringify({ when: { path: '/Slot' }, emptyBundle: true });
    expect((await book(profile, { 'X-Sandbox-Fault': header })).status).toBe(201);
  });

  it('passes a rule with no when over on a booking, and empties the slot search', async () => {
    sandbox = testSandbox({ profile });
    await sandbox.http.post('/_admin/faults').send({ name: 'eb', emptyBundle: true }).expect(201);
    const booked = await book(profile);
    expect(booked.status).toBe(201);
    expect(fhirBody(booked).resourceType).toBe('Appointment');
    expect(await appointments()).toBe(1);
    const search = await sandbox.http.get(SLOT_SEARCH).set(envelope('search:slot-1'));
    expect(search.status).toBe(200);
    expect(fhirBody(search)).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 0 });
  });
});
