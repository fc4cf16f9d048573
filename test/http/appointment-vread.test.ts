// issue 14 item 6: version reads. GET /Appointment/{id}/_history/{vid} serves the current and the
// earlier versions with their own ETag and Last-Modified (FHIR STU3 http.html#vread), so the
// Location header of a create or an amend leads somewhere; in both profiles and both formats,
// under a base path and through the Spine proxy's URL form, and across a restart on --db.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fromFhirXml } from '../../src/fhir/xml.js';
import { bookS1, type ProfileName, putAppointment } from '../helpers/appointments.js';
import { gpcBooking, seedExample } from '../helpers/bodies.js';
import { expectOutcome, FHIR_JSON, fhirBody, type Loose } from '../helpers/outcome.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

const PROFILES: ProfileName[] = ['careconnect', 'gpconnect-1.2.7'];
const FORMATS = ['json', 'xml'] as const;
const MINUTE = 60_000;
const BASE = '/A20047/STU3/1/gpconnect';

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

function decode(res: { text: string; headers: Record<string, string> }, format: 'json' | 'xml'): Loose {
  expect(res.headers['content-type']).toBe(
    format === 'xml' ? 'application/fhir+xml;charset=utf-8' : FHIR_JSON,
  );
  return format === 'xml' ? fromFhirXml(res.text) : JSON.parse(res.text);
}

const vread = (sb: TestSandbox, path: string, format: 'json' | 'xml' = 'json') =>
  sb.http
    .get(path)
    .set(envelope('read:appointment-1'))
    .set('Accept', format === 'xml' ? 'application/fhir+xml' : 'application/fhir+json');

/** Book, then amend once a minute later: versions 1 and 2, with the amend's Location. */
async function bookAndAmend(sb: TestSandbox, profile: ProfileName) {
  const booked = await bookS1(sb, profile);
  sb.core.clock.advance(MINUTE);
  const res = await putAppointment(
    sb,
    booked.id,
    { ...booked, description: 'Sore throat, 4 days' },
    'update:appointment-1',
  );
  expect(res.status).toBe(200);
  return { booked, amended: fhirBody(res) };
}

describe.each(PROFILES)('version reads of an appointment (%s)', (profile) => {
  it.each(FORMATS)(
    'serves the current and the earlier version, each with its ETag and Last-Modified (%s)',
    async (format) => {
      sandbox = testSandbox({ profile });
      const { booked, amended } = await bookAndAmend(sandbox, profile);

      const v1 = await vread(sandbox, `/Appointment/${booked.id}/_history/1`, format);
      expect(v1.status).toBe(200);
      expect(v1.headers['etag']).toBe('W/"1"');
      expect(v1.headers['last-modified']).toBe('Mon, 01 Jun 2026 07:00:00 GMT');
      expect(v1.headers['location']).toBeUndefined();
      const first = decode(v1, format);
      expect(first.meta.versionId).toBe('1');
      expect(first.description).toBe(booked.description);
      expect(first).toEqual(format === 'json' ? booked : expect.objectContaining({ id: booked.id }));

      const v2 = await vread(sandbox, `/Appointment/${booked.id}/_history/2`, format);
      expect(v2.status).toBe(200);
      expect(v2.headers['etag']).toBe('W/"2"');
      expect(v2.headers['last-modified']).toBe('Mon, 01 Jun 2026 07:01:00 GMT');
      const second = decode(v2, format);
      expect(second.meta.versionId).toBe('2');
      expect(second.description).toBe('Sore throat, 4 days');
      if (format === 'json') expect(second).toEqual(amended);
    },
  );

  it("keeps a cancelled appointment's booked version readable", async () => {
    sandbox = testSandbox({ profile });
    const booked = await bookS1(sandbox, profile);
    const reason =
      'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-AppointmentCancellationReason-1';
    const cancel = {
      ...booked,
      status: 'cancelled',
      extension: [...(booked.extension ?? []), { url: reason, valueString: 'Better' }],
    };
    expect((await putAppointment(sandbox, booked.id, cancel, 'cancel:appointment-1')).status).toBe(200);
    expect(fhirBody(await vread(sandbox, `/Appointment/${booked.id}/_history/1`)).status).toBe('booked');
    expect(fhirBody(await vread(sandbox, `/Appointment/${booked.id}/_history/2`)).status).toBe('cancelled');
  });

  it.each([
    [
      'a version it never had',
      '3',
      /Appointment\/1 has no version "3": its versions are 1, 2 \(the current one is 2\)/,
    ],
    ['version 0', '0', /has no version "0"/],
    ['a word', 'latest', /has no version "latest"/],
  ])('refuses %s with 404 NO_RECORD_FOUND naming it', async (_, vid, diagnostics) => {
    sandbox = testSandbox({ profile });
    await bookAndAmend(sandbox, profile);
    expect(
      expectOutcome(await vread(sandbox, `/Appointment/1/_history/${vid}`), 404, 'NO_RECORD_FOUND'),
    ).toMatch(diagnostics);
  });

  it('refuses a version of an unknown appointment with 404 NO_RECORD_FOUND', async () => {
    sandbox = testSandbox({ profile });
    expect(
      expectOutcome(await vread(sandbox, '/Appointment/77/_history/1'), 404, 'NO_RECORD_FOUND'),
    ).toContain('Appointment/77');
  });

  it('hides the versions of a past appointment, as a read does', async () => {
    sandbox = testSandbox({ profile });
    const booked = await bookS1(sandbox, profile, { date: '2026-06-01', time: '09:00' });
    sandbox.core.clock.advance(2 * 60 * MINUTE);
    expect(
      expectOutcome(await vread(sandbox, `/Appointment/${booked.id}/_history/1`), 404, 'NO_RECORD_FOUND'),
    ).toMatch(/not in the future/);
  });

  it("lets a fault rule match a version read by the appointment's patient", async () => {
    sandbox = testSandbox({ profile });
    const booked = await bookS1(sandbox, profile);
    const armed = await sandbox.http
      .post('/_admin/faults')
      .send({ name: 'patient-1', when: { patient: '1', method: 'GET' }, error: { code: 'ACCESS DENIED' } });
    expect(armed.status).toBe(201);
    expect((await vread(sandbox, `/Appointment/${booked.id}/_history/1`)).status).toBe(403);
  });

  it('follows the Location of an amend and of a cancel to the version they wrote', async () => {
    sandbox = testSandbox({ profile });
    const booked = await bookS1(sandbox, profile);
    const amend = await putAppointment(
      sandbox,
      booked.id,
      { ...booked, description: 'Later' },
      'update:appointment-1',
    );
    expect(new URL(amend.headers['location']!).pathname).toBe(`/Appointment/${booked.id}/_history/2`);
    const version = await vread(sandbox, new URL(amend.headers['location']!).pathname);
    expect(fhirBody(version)).toEqual(fhirBody(amend));
    const reason =
      'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-AppointmentCancellationReason-1';
    const amended = fhirBody(amend);
    const cancel = await putAppointment(
      sandbox,
      booked.id,
      {
        ...amended,
        status: 'cancelled',
        extension: [...(amended.extension ?? []), { url: reason, valueString: 'Better' }],
      },
      'cancel:appointment-1',
    );
    expect(cancel.status).toBe(200);
    const cancelled = await vread(sandbox, new URL(cancel.headers['location']!).pathname);
    expect(cancelled.headers['etag']).toBe('W/"3"');
    expect(fhirBody(cancelled).status).toBe('cancelled');
  });

  it.each([
    ['the direct form', ''],
    ['a base path', BASE],
  ])('follows the Location of a create and of an amend under %s', async (_, basePath) => {
    sandbox = testSandbox({ profile, basePath });
    const body = (await bookS1Under(sandbox, profile, basePath)) as { location: string; id: string };
    const created = await vread(sandbox, new URL(body.location).pathname);
    expect(created.status).toBe(200);
    expect(created.headers['etag']).toBe('W/"1"');
    expect(new URL(body.location).pathname).toBe(`${basePath}/Appointment/${body.id}/_history/1`);
  });

  it("serves version reads through the Spine proxy's URL form", async () => {
    sandbox = testSandbox({ profile, basePath: BASE });
    const { location } = (await bookS1Under(sandbox, profile, BASE)) as { location: string };
    const res = await vread(
      sandbox,
      `/ssp.example.nhs.uk/https://provider.example.nhs.uk${new URL(location).pathname}`,
    );
    expect(res.status).toBe(200);
    expect(res.headers['etag']).toBe('W/"1"');
  });
});

/** Book through POST {base}/Appointment; the Location header and the new id. */
async function bookS1Under(sb: TestSandbox, profile: ProfileName, basePath: string) {
  const res = await sb.http
    .post(`${basePath}/Appointment`)
    .set(envelope('create:appointment-1'))
    .set('Content-Type', 'application/fhir+json')
    .send(JSON.stringify(profile === 'careconnect' ? seedExample() : gpcBooking()));
  expect(res.status).toBe(201);
  return { location: res.headers['location'] as string, id: fhirBody(res).id as string };
}

describe('version history in the state', () => {
  it('survives a restart on --db', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpc-vread-'));
    try {
      const db = join(dir, 'state.json');
      sandbox = testSandbox({ db });
      await bookAndAmend(sandbox, 'careconnect');
      await sandbox.close();
      sandbox = testSandbox({ db });
      const v1 = await vread(sandbox, '/Appointment/1/_history/1');
      expect(v1.status).toBe(200);
      expect(fhirBody(v1).description).toBe('Free text description.');
      expect((await vread(sandbox, '/Appointment/1/_history/2')).headers['etag']).toBe('W/"2"');
    } finally {
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('goes out and comes back in a snapshot; a snapshot without history still loads', async () => {
    sandbox = testSandbox();
    await bookAndAmend(sandbox, 'careconnect');
    const snapshot = (await sandbox.http.get('/_admin/snapshot')).body;
    expect(snapshot.state.appointments[0].history).toHaveLength(1);
    expect((await sandbox.http.put('/_admin/snapshot').send(snapshot)).status).toBe(200);
    expect((await vread(sandbox, '/Appointment/1/_history/1')).status).toBe(200);

    // Written before version reads: no history, version 2 current.
    delete snapshot.state.appointments[0].history;
    expect((await sandbox.http.put('/_admin/snapshot').send(snapshot)).status).toBe(200);
    expect((await vread(sandbox, '/Appointment/1/_history/2')).status).toBe(200);
    expect(expectOutcome(await vread(sandbox, '/Appointment/1/_history/1'), 404, 'NO_RECORD_FOUND')).toMatch(
      /its versions are 2 .*written before this sandbox kept them/,
    );
  });

  it('refuses a snapshot whose history does not rise below the current version, naming the field', async () => {
    sandbox = testSandbox();
    await bookAndAmend(sandbox, 'careconnect');
    const snapshot = (await sandbox.http.get('/_admin/snapshot')).body;
    snapshot.state.appointments[0].history[0].versionId = '2';
    const res = await sandbox.http.put('/_admin/snapshot').send(snapshot);
    expect(res.status).toBe(400);
    expect(res.body.field).toBe('state.appointments[0].history[0].versionId');
  });
});
