import { afterEach, describe, expect, it } from 'vitest';
import { bookS1 } from '../helpers/appointments.js';
import { expectOutcome, fhirBody } from '../helpers/outcome.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

const PROFILES = ['careconnect', 'gpconnect-1.2.7'] as const;
const HOUR = 3_600_000;

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

const read = (sb: TestSandbox, id: string) =>
  sb.http.get(`/Appointment/${id}`).set(envelope('read:appointment-1'));

describe.each(PROFILES)('read an appointment (%s)', (profile) => {
  it('returns the appointment as booked, with ETag and Last-Modified', async () => {
    sandbox = testSandbox({ profile });
    const booked = await bookS1(sandbox, profile);
    const res = await read(sandbox, booked.id);
    expect(res.status).toBe(200);
    expect(res.headers['etag']).toBe('W/"1"');
    expect(res.headers['last-modified']).toBe('Mon, 01 Jun 2026 07:00:00 GMT');
    expect(res.headers['location']).toBeUndefined();
    expect(fhirBody(res)).toEqual(booked);
  });

  it.each(['Invalid4321', '8888888888'])('refuses the unknown id %s with 404 NO_RECORD_FOUND', async (id) => {
    sandbox = testSandbox({ profile });
    expect(expectOutcome(await read(sandbox, id), 404, 'NO_RECORD_FOUND')).toContain(`Appointment/${id}`);
  });

  // issue 14 item 9: GET /Appointment/ does not fit the read interaction sent: 400 (was 404).
  it('refuses an empty id as a path that does not fit the read interaction', async () => {
    sandbox = testSandbox({ profile });
    expect(expectOutcome(await read(sandbox, ''), 400, 'BAD_REQUEST')).toMatch(
      /GET \/Appointment\/ does not fit Ssp-InteractionID .*rest:read:appointment-1, which is GET \/Appointment\/\{id\} or GET \/Appointment\/\{id\}\/_history\/\{vid\}.*no trailing slash/,
    );
  });

  it('hides a past appointment with 404 NO_RECORD_FOUND, naming why', async () => {
    sandbox = testSandbox({ profile });
    const booked = await bookS1(sandbox, profile, { date: '2026-06-01', time: '09:00' });
    expect((await read(sandbox, booked.id)).status).toBe(200);
    sandbox.core.clock.advance(HOUR);
    const diagnostics = expectOutcome(await read(sandbox, booked.id), 404, 'NO_RECORD_FOUND');
    expect(diagnostics).toMatch(/started at 2026-06-01T09:00:00\+01:00, which is not in the future/);
  });
});
