/**
 * Issue 13, item 1: nothing accepted can fail to be written, and nothing a request sends stops the
 * process. Every input found is here, in both formats (JSON and XML answers), with and without a
 * --db restart, and each stands for its kind: characters XML 1.0 cannot carry, elements STU3 does
 * not know, narratives FHIR does not allow, by every way in (booking, amend, cancel, fixtures,
 * snapshot import, a --db file).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { fromFhirXml, toFhirXml } from '../../src/fhir/xml.js';
import { type RunningSandbox, type SandboxOptions, startSandbox } from '../../src/index.js';
import { coreOf } from '../../src/testing.js';
import { asCancel, bookS1, type ProfileName, putAppointment } from '../helpers/appointments.js';
import { gpcBooking, seedExample } from '../helpers/bodies.js';
import type { Loose } from '../helpers/outcome.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

const FHIR_JSON = 'application/fhir+json;charset=utf-8';
const FHIR_XML = 'application/fhir+xml;charset=utf-8';
const PROFILES = ['careconnect', 'gpconnect-1.2.7'] as const;
const FORMATS = ['json', 'xml'] as const;
type Format = (typeof FORMATS)[number];
const CLOCK = '2026-06-01T08:00:00+01:00';
/** `_format` values both profiles take (gpconnect-1.2.7 refuses the short forms). */
const Q: Record<Format, string> = {
  json: encodeURIComponent('application/fhir+json'),
  xml: encodeURIComponent('application/fhir+xml'),
};

function booking(profile: ProfileName, change: (body: Loose) => void = () => {}): Loose {
  const body: Loose = profile === 'careconnect' ? seedExample() : gpcBooking();
  change(body);
  return body;
}

/** A FHIR answer in the format asked for: the resource, and its diagnostics when an outcome. */
function read(res: { status: number; text: string; headers: Record<string, string> }, format: Format): Loose {
  expect(res.headers['content-type'], res.text.slice(0, 300)).toBe(format === 'xml' ? FHIR_XML : FHIR_JSON);
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  return format === 'xml' ? fromFhirXml(res.text) : JSON.parse(res.text);
}

function diagnostics(res: { status: number; text: string; headers: Record<string, string> }, format: Format) {
  const body = read(res, format);
  expect(body.resourceType).toBe('OperationOutcome');
  return body.issue[0].diagnostics as string;
}

/** Booking bodies, each a kind that used to be stored (or echoed) and then could not be written. */
const POISON: Array<[string, (body: Loose) => void, RegExp, number]> = [
  [
    'a control character in a reference (echoed in the error)',
    (b) => {
      b.slot = [{ reference: 'Slot/\u0001' }];
    },
    /slot\[0\]\.reference "Slot\/\\u0001"/,
    422,
  ],
  [
    'an element STU3 does not know, nested',
    (b) => {
      b.identifier = [{ system: 'https://example.org/ids', value: 'x', bogus: 1 }];
    },
    /unknown property bogus in Appointment\.identifier\[0\]/,
    422,
  ],
  [
    'a bell in comment',
    (b) => {
      b.comment = 'call \u0007 me';
    },
    /Appointment\.comment contains a character that XML 1\.0 cannot represent \(U\+0007 at offset 5\)/,
    422,
  ],
  [
    'an unpaired surrogate in description',
    (b) => {
      b.description = 'half \ud800 a pair';
    },
    /Appointment\.description contains a character that XML 1\.0 cannot represent \(U\+D800/,
    422,
  ],
  [
    'U+FFFF in a contained resource',
    (b) => {
      b.contained = [
        {
          resourceType: 'Organization',
          id: '1',
          name: 'Org \uffff',
          identifier: [{ system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'A11111' }],
          telecom: [{ system: 'phone', value: '0300 000 0000' }],
        },
      ];
    },
    /contained\[0\]\(Organization\)\.name contains a character/,
    422,
  ],
  [
    'a wrong JSON type inside an element',
    (b) => {
      b.participant[0].actor.display = 5;
    },
    /Appointment\.participant\[0\]\.actor\.display must be a string/,
    422,
  ],
  [
    'a script in the narrative',
    (b) => {
      b.text = {
        status: 'generated',
        div: '<div xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></div>',
      };
    },
    /<script> is not allowed in a FHIR narrative .* in Appointment\.text\.div/,
    422,
  ],
];

describe.each(PROFILES)('what a booking stores can always be written (%s)', (profile) => {
  let sandbox: TestSandbox;
  afterEach(async () => {
    await sandbox?.close();
  });

  it.each(
    POISON.flatMap(([name, change, message, status]) =>
      FORMATS.map((f) => [name, f, change, message, status] as const),
    ),
  )('refuses %s, answered as %s, and keeps serving', async (_name, format, change, message, status) => {
    sandbox = testSandbox({ profile });
    const res = await sandbox.http
      .post(`/Appointment?_format=${Q[format]}`)
      .set(envelope('create:appointment-1'))
      .set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify(booking(profile, change)));
    expect(res.status, res.text.slice(0, 400)).toBe(status);
    expect(diagnostics(res, format)).toMatch(message);
    expect(sandbox.core.defaultWorld.state.appointments.size).toBe(0);
    // The next ordinary request works, in either format.
    const next = await sandbox.http.get(`/metadata?_format=${Q[format]}`).set(envelope('read:metadata-1'));
    expect(next.status).toBe(200);
    expect(read(next, format).resourceType).toBe('CapabilityStatement');
  });

  it.each(FORMATS)('refuses a script narrative sent as XML, answered as %s', async (format) => {
    sandbox = testSandbox({ profile });
    const xml = toFhirXml(booking(profile)).replace(
      /(<Appointment xmlns="http:\/\/hl7.org\/fhir">(?:<meta>.*?<\/meta>)?)/,
      '$1<text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><p onclick="steal()">Hi</p></div></text>',
    );
    expect(xml).toContain('onclick');
    const res = await sandbox.http
      .post(`/Appointment?_format=${Q[format]}`)
      .set(envelope('create:appointment-1'))
      .set('Content-Type', 'application/fhir+xml')
      .send(xml);
    expect(res.status).toBe(422);
    expect(diagnostics(res, format)).toMatch(/attribute onclick on narrative <p> is not allowed/);
    expect(sandbox.core.defaultWorld.state.appointments.size).toBe(0);
  });

  it.each(FORMATS)(
    'refuses an amend and a cancel that would store a control character (%s)',
    async (format) => {
      sandbox = testSandbox({ profile });
      const appointment = await bookS1(sandbox, profile);
      const amend = await putAppointment(
        sandbox,
        appointment.id,
        { ...appointment, comment: 'now \u001b[31m red' },
        'update:appointment-1',
        { Accept: `application/fhir+${format}` },
      );
      expect(amend.status).toBe(422);
      expect(diagnostics(amend, format)).toMatch(/Appointment\.comment contains a character .*U\+001B/);
      const cancel = await putAppointment(
        sandbox,
        appointment.id,
        asCancel(appointment, 'gone\u0000'),
        'cancel:appointment-1',
        { Accept: `application/fhir+${format}` },
      );
      expect(cancel.status).toBe(422);
      expect(diagnostics(cancel, format)).toMatch(
        /Appointment\.extension\[\d\]\.valueString contains a character .*U\+0000/,
      );
      const again = await sandbox.http
        .get(`/Appointment/${appointment.id}?_format=${Q[format]}`)
        .set(envelope('read:appointment-1'));
      expect(again.status).toBe(200);
      expect(read(again, format)).toMatchObject({ status: 'booked', meta: { versionId: '1' } });
    },
  );
});

describe('admin inputs that would reach FHIR answers', () => {
  let sandbox: TestSandbox;
  afterEach(async () => {
    await sandbox?.close();
  });

  it.each([
    [
      '/_admin/appointments',
      { patientId: '2', slotIds: ['s1-202606021000'], comment: 'a\u0007b' },
      'comment',
    ],
    [
      '/_admin/appointments',
      { patientId: '2', slotIds: ['s1-202606021000'], description: '\ufffe' },
      'description',
    ],
    [
      '/_admin/appointments',
      { patientId: '2', slotIds: ['s1-202606021000'], status: 'cancelled', cancellationReason: 'x\u0001' },
      'cancellationReason',
    ],
    [
      '/_admin/patients',
      { name: { family: 'Fix\u0002ture', given: ['Fay'] }, gender: 'female', birthDate: '1990-01-01' },
      'name.family',
    ],
    [
      '/_admin/patients',
      {
        name: { family: 'Fixture', given: ['Fay'] },
        gender: 'female',
        birthDate: '1990-01-01',
        address: { line: ['1 \u000b Street'], city: 'Leeds', postalCode: 'LS1 1AA' },
      },
      'address.line[0]',
    ],
  ])('POST %s refuses a character XML cannot carry, naming %s', async (path, body, field) => {
    sandbox = testSandbox();
    const res = await sandbox.http.post(path).send(body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ field, error: expect.stringMatching(/XML 1\.0 cannot carry \(U\+/) });
    expect(sandbox.core.defaultWorld.state.appointments.size).toBe(0);
    expect(sandbox.core.defaultWorld.state.fixturePatients.size).toBe(0);
  });

  it.each([
    [
      'an element STU3 does not know',
      (r: Loose) => Object.assign(r, { bogus: { a: 1 } }),
      /unknown property bogus in Appointment/,
    ],
    [
      'a control character',
      (r: Loose) => Object.assign(r, { comment: 'x\u0008' }),
      /Appointment\.comment contains a character/,
    ],
    [
      'an unknown key deep inside',
      (r: Loose) => Object.assign(r, { participant: [{ actor: { reference: 'Patient/1', colour: 'red' } }] }),
      /unknown property colour in Appointment\.participant\[0\]\.actor/,
    ],
    [
      'a narrative with an iframe',
      (r: Loose) =>
        Object.assign(r, {
          text: { status: 'generated', div: '<div><iframe src="https://evil.example/"></iframe></div>' },
        }),
      /<iframe> is not allowed in a FHIR narrative/,
    ],
    [
      'another resource type',
      (r: Loose) => Object.assign(r, { resourceType: 'Patient' }),
      /resourceType must be "Appointment"/,
    ],
  ])(
    'PUT /_admin/snapshot refuses an appointment holding %s, naming the field',
    async (_name, poison, message) => {
      sandbox = testSandbox();
      await bookS1(sandbox, 'careconnect');
      const doc = (await sandbox.http.get('/_admin/snapshot')).body;
      poison(doc.state.appointments[0].resource);
      const res = await sandbox.http.put('/_admin/snapshot').send(doc);
      expect(res.status).toBe(400);
      expect(res.body.field).toMatch(/^state\.appointments\[0\]\.resource/);
      expect(res.body.error).toMatch(message);
      // Nothing changed: the booking still reads as XML.
      const xml = await sandbox.http
        .get(`/Appointment/1?_format=${Q.xml}`)
        .set(envelope('read:appointment-1'));
      expect(xml.status).toBe(200);
      expect(read(xml, 'xml').resourceType).toBe('Appointment');
    },
  );

  it('PUT /_admin/snapshot refuses an earlier version (served by _history) holding a control character', async () => {
    sandbox = testSandbox();
    await bookS1(sandbox, 'careconnect');
    const doc = (await sandbox.http.get('/_admin/snapshot')).body;
    const current = doc.state.appointments[0];
    current.history = [
      {
        versionId: current.versionId,
        lastModifiedMs: current.lastModifiedMs,
        status: current.status,
        resource: { ...current.resource, comment: 'bell \u0007' },
      },
    ];
    current.versionId = String(Number(current.versionId) + 1);
    const res = await sandbox.http.put('/_admin/snapshot').send(doc);
    expect(res.status).toBe(400);
    expect(res.body.field).toBe('state.appointments[0].history[0].resource');
    expect(res.body.error).toMatch(/comment/);
  });

  it('refuses a snapshot whose fixture patient holds a control character', async () => {
    sandbox = testSandbox();
    await sandbox.http
      .post('/_admin/patients')
      .send({
        id: 'fay',
        name: { family: 'Fixture', given: ['Fay'] },
        gender: 'female',
        birthDate: '1990-01-01',
      })
      .expect(201);
    const doc = (await sandbox.http.get('/_admin/snapshot')).body;
    doc.state.fixturePatients[0].phone = '0113 \u0000';
    const res = await sandbox.http.put('/_admin/snapshot').send(doc);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ field: 'state.fixturePatients[0].phone' });
  });
});

describe('with --db, across restarts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpc-writable-'));
  const running: RunningSandbox[] = [];
  afterAll(async () => {
    for (const sb of running) await sb.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const start = async (options: SandboxOptions) => {
    const sb = await startSandbox({ clock: CLOCK, ...options });
    running.push(sb);
    return sb;
  };
  const post = (sb: RunningSandbox, path: string, body: unknown, format: Format) =>
    fetch(`${sb.fhirBase}${path}?_format=${Q[format]}`, {
      method: 'POST',
      headers: { ...envelope('create:appointment-1'), 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify(body),
    });
  const asSupertest = async (res: Response) => ({
    status: res.status,
    text: await res.text(),
    headers: Object.fromEntries(res.headers),
  });

  it.each(FORMATS)(
    'never stores the poison, and what was stored reads after a restart (%s)',
    async (format) => {
      const db = join(dir, `state-${format}.json`);
      const first = await start({ db, basePath: '/A20047/STU3/1/gpconnect' });
      for (const [, change] of POISON) {
        const res = await asSupertest(
          await post(first, '/Appointment', booking('careconnect', change), format),
        );
        expect(res.status, res.text.slice(0, 300)).toBe(422);
      }
      const ok = await asSupertest(await post(first, '/Appointment', booking('careconnect'), format));
      expect(ok.status).toBe(201);
      await first.close();

      const second = await start({ db, basePath: '/A20047/STU3/1/gpconnect' });
      expect(second.state().counts.appointments).toBe(1);
      for (const f of FORMATS) {
        const res = await asSupertest(
          await fetch(`${second.fhirBase}/Appointment/1?_format=${Q[f]}`, {
            headers: envelope('read:appointment-1'),
          }),
        );
        expect(res.status).toBe(200);
        expect(read(res, f)).toMatchObject({ resourceType: 'Appointment', comment: 'Free text comment.' });
      }
      await second.close();
    },
  );

  it('refuses at start a db file holding what could not be written, naming the JSON path', async () => {
    const db = join(dir, 'poisoned.json');
    const sb = await start({ db });
    const ok = await asSupertest(await post(sb, '/Appointment', booking('careconnect'), 'json'));
    expect(ok.status).toBe(201);
    const doc = coreOf(sb).snapshot();
    await sb.close();
    (doc.state.appointments[0]!.resource as Loose).comment = 'bell \u0007';
    writeFileSync(db, JSON.stringify(doc));
    await expect(start({ db })).rejects.toThrow(
      /state\.appointments\[0\]\.resource|Appointment\.comment contains/,
    );
  });
});
