/**
 * Security findings on intake: (1) a narrative div holding markup a browser reads differently from
 * XML (CDATA sections, comments, processing instructions: mutation XSS) is refused wherever a
 * narrative can be stored, sent as JSON or XML; (2) a snapshot import (PUT /_admin/snapshot, a --db
 * file at start) checks the `id` and `meta` a stored appointment resource holds itself, for the
 * current version and each earlier one.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { fromFhirXml, toFhirXml } from '../../src/fhir/xml.js';
import { startSandbox } from '../../src/index.js';
import { coreOf } from '../../src/testing.js';
import { bookS1, type ProfileName } from '../helpers/appointments.js';
import { gpcBooking, seedExample } from '../helpers/bodies.js';
import type { Loose } from '../helpers/outcome.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

const PROFILES = ['careconnect', 'gpconnect-1.2.7'] as const;
const FORMATS = ['json', 'xml'] as const;
type Format = (typeof FORMATS)[number];
const Q: Record<Format, string> = {
  json: encodeURIComponent('application/fhir+json'),
  xml: encodeURIComponent('application/fhir+xml'),
};
const XHTML = 'http://www.w3.org/1999/xhtml';
const div = (inner: string) => `<div xmlns="${XHTML}">${inner}</div>`;

/** Narratives whose markup is not XHTML elements and text; each a kind, as the tester sent it. */
const MARKUP: Array<[string, string, RegExp]> = [
  ['a CDATA section', div('<![CDATA[><img src=x onerror=alert(1)>]]>'), /a CDATA section/],
  ['a comment', div('<p>a</p><!--><img src=x onerror=alert(2)>-->'), /a comment/],
  [
    'a processing instruction',
    div('<p>a<?xml-stylesheet href="http://evil/x.xsl"?></p>'),
    /a processing instruction <\?xml-stylesheet\?>/,
  ],
];

function booking(profile: ProfileName): Loose {
  return profile === 'careconnect' ? seedExample() : gpcBooking();
}

function withNarrative(profile: ProfileName, divText: string, bodyFormat: Format): string {
  const body = booking(profile);
  if (bodyFormat === 'json') return JSON.stringify({ ...body, text: { status: 'generated', div: divText } });
  const xml = toFhirXml(body).replace(
    /(<Appointment xmlns="http:\/\/hl7.org\/fhir">(?:<meta>.*?<\/meta>)?)/,
    `$1<text><status value="generated"/>${divText}</text>`,
  );
  expect(xml).toContain(divText);
  return xml;
}

function diagnostics(res: { text: string; headers: Record<string, string> }, format: Format): string {
  const body = format === 'xml' ? fromFhirXml(res.text) : JSON.parse(res.text);
  expect(body.resourceType).toBe('OperationOutcome');
  expect(body.issue[0].details.coding[0].code).toBe('INVALID_RESOURCE');
  return body.issue[0].diagnostics as string;
}

describe.each(PROFILES)('a booking whose narrative holds non-XHTML markup (%s)', (profile) => {
  let sandbox: TestSandbox;
  afterEach(async () => {
    await sandbox?.close();
  });

  it.each(
    MARKUP.flatMap(([name, text, message]) =>
      FORMATS.flatMap((sent) => FORMATS.map((answer) => [name, sent, answer, text, message] as const)),
    ),
  )('refuses %s sent as %s, answered as %s', async (_name, sent, answer, text, message) => {
    sandbox = testSandbox({ profile });
    const res = await sandbox.http
      .post(`/Appointment?_format=${Q[answer]}`)
      .set(envelope('create:appointment-1'))
      .set('Content-Type', `application/fhir+${sent}`)
      .send(withNarrative(profile, text, sent));
    expect(res.status, res.text.slice(0, 400)).toBe(422);
    const said = diagnostics(res, answer);
    expect(said).toMatch(message);
    expect(said).toMatch(/is not allowed in a FHIR narrative/);
    expect(said).toMatch(/Appointment\.text\.div/);
    expect(sandbox.core.defaultWorld.state.appointments.size).toBe(0);
  });
});

/** Narratives XML reads the same but a browser may not: the JSON answer must serve what XML does. */
const NOT_CANONICAL: Array<[string, string]> = [
  ['no namespace', '<div><p>a</p></div>'],
  ['a prefixed XHTML element', `<h:div xmlns:h="${XHTML}"><h:p>a</h:p></h:div>`],
  [
    'single-quoted attributes and entities',
    `<div xmlns='${XHTML}'><p title='&lt;/p&gt;'>a &#62; b&#x3c;</p></div>`,
  ],
  ['an empty element written open and closed', div('<p>a<br></br></p>')],
];

async function readBoth(sandbox: TestSandbox, id: string): Promise<[string, string]> {
  const divs = [];
  for (const format of FORMATS) {
    const res = await sandbox.http
      .get(`/Appointment/${id}?_format=${Q[format]}`)
      .set(envelope('read:appointment-1'));
    expect(res.status).toBe(200);
    const body = format === 'xml' ? fromFhirXml(res.text) : JSON.parse(res.text);
    divs.push(body.text.div as string);
  }
  return divs as [string, string];
}

describe.each(PROFILES)('a stored narrative is served the same in JSON and XML (%s)', (profile) => {
  let sandbox: TestSandbox;
  afterEach(async () => {
    await sandbox?.close();
  });

  it.each(NOT_CANONICAL)('booked with %s', async (_name, text) => {
    sandbox = testSandbox({ profile });
    const res = await sandbox.http
      .post('/Appointment')
      .set(envelope('create:appointment-1'))
      .set('Content-Type', 'application/fhir+json')
      .send(withNarrative(profile, text, 'json'));
    expect(res.status, res.text.slice(0, 400)).toBe(201);
    const [json, xml] = await readBoth(sandbox, JSON.parse(res.text).id);
    expect(json).toBe(xml);
    expect(json.startsWith(`<div xmlns="${XHTML}">`)).toBe(true);
  });

  it.each(NOT_CANONICAL)('imported by PUT /_admin/snapshot with %s', async (_name, text) => {
    sandbox = testSandbox({ profile });
    const booked = await bookS1(sandbox, profile);
    const doc = (await sandbox.http.get('/_admin/snapshot')).body;
    doc.state.appointments[0].resource.text = { status: 'generated', div: text };
    const put = await sandbox.http.put('/_admin/snapshot').send(doc);
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const [json, xml] = await readBoth(sandbox, booked.id);
    expect(json).toBe(xml);
    const again = (await sandbox.http.get('/_admin/snapshot')).body;
    expect(again.state.appointments[0].resource.text.div).toBe(xml);
  });
});

describe('PUT /_admin/snapshot', () => {
  let sandbox: TestSandbox;
  afterEach(async () => {
    await sandbox?.close();
  });

  async function snapshotWithBooking(): Promise<Loose> {
    sandbox = testSandbox();
    await bookS1(sandbox, 'careconnect');
    return (await sandbox.http.get('/_admin/snapshot')).body;
  }

  /** Adds an earlier version (served by _history) holding `resource`. */
  function withHistory(doc: Loose, resource: Loose): void {
    const current = doc.state.appointments[0];
    current.history = [
      {
        versionId: current.versionId,
        lastModifiedMs: current.lastModifiedMs,
        status: current.status,
        resource,
      },
    ];
    current.versionId = String(Number(current.versionId) + 1);
  }

  it.each(MARKUP)('refuses a stored narrative holding %s', async (_name, text, message) => {
    const doc = await snapshotWithBooking();
    doc.state.appointments[0].resource.text = { status: 'generated', div: text };
    const res = await sandbox.http.put('/_admin/snapshot').send(doc);
    expect(res.status).toBe(400);
    expect(res.body.field).toMatch(/^state\.appointments\[0\]\.resource/);
    expect(res.body.error).toMatch(message);
  });

  const ID_META: Array<[string, (resource: Loose) => void, string, RegExp]> = [
    ['a control character as id', (r) => Object.assign(r, { id: '\u0001' }), 'id', /FHIR id/],
    ['an id too long', (r) => Object.assign(r, { id: 'a'.repeat(65) }), 'id', /FHIR id/],
    ['a number as id', (r) => Object.assign(r, { id: 7 }), 'id', /FHIR id/],
    [
      'an unknown element in meta',
      (r) => Object.assign(r, { meta: { versionId: '1', bogus: { x: 1 } } }),
      'meta.bogus',
      /unknown property bogus in Appointment\.meta/,
    ],
    [
      'the tester meta',
      (r) =>
        Object.assign(r, {
          meta: { versionId: 'zzz', tag: [{ system: 'a\u0001', code: '\uffff' }], bogus: { x: 1 } },
        }),
      'meta.bogus',
      /unknown property bogus/,
    ],
    [
      'a control character in a meta tag',
      (r) => Object.assign(r, { meta: { tag: [{ system: 'a\u0001', code: 'x' }] } }),
      'meta.tag[0].system',
      /XML 1\.0 cannot represent \(U\+0001/,
    ],
    [
      'U+FFFF in a meta tag',
      (r) => Object.assign(r, { meta: { tag: [{ system: 'https://a.example', code: '\uffff' }] } }),
      'meta.tag[0].code',
      /XML 1\.0 cannot represent \(U\+FFFF/,
    ],
    ['a meta that is not an object', (r) => Object.assign(r, { meta: 'x' }), 'meta', /must be an object/],
    [
      'a versionId that is not an id',
      (r) => Object.assign(r, { meta: { versionId: 'a b' } }),
      'meta.versionId',
      /FHIR id/,
    ],
  ];

  it.each(ID_META)(
    'refuses a current resource holding %s, naming the JSON path',
    async (_n, poison, at, message) => {
      const doc = await snapshotWithBooking();
      poison(doc.state.appointments[0].resource);
      const res = await sandbox.http.put('/_admin/snapshot').send(doc);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body).toMatchObject({ field: `state.appointments[0].resource.${at}` });
      expect(res.body.error).toMatch(message);
      // Nothing changed.
      const again = (await sandbox.http.get('/_admin/snapshot')).body;
      expect(again.state.appointments[0].resource.meta).toBeUndefined();
      expect(again.state.appointments[0].resource.id).toBeUndefined();
    },
  );

  it.each(ID_META)(
    'refuses an earlier version holding %s, naming the JSON path',
    async (_n, poison, at, message) => {
      const doc = await snapshotWithBooking();
      const earlier = structuredClone(doc.state.appointments[0].resource);
      poison(earlier);
      withHistory(doc, earlier);
      const res = await sandbox.http.put('/_admin/snapshot').send(doc);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body).toMatchObject({ field: `state.appointments[0].history[0].resource.${at}` });
      expect(res.body.error).toMatch(message);
    },
  );

  it('keeps a stored resource whose own id and meta are well-formed', async () => {
    const doc = await snapshotWithBooking();
    Object.assign(doc.state.appointments[0].resource, {
      id: 'kept-1',
      meta: { versionId: '1', tag: [{ system: 'https://a.example', code: 'x' }] },
    });
    const res = await sandbox.http.put('/_admin/snapshot').send(doc);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });
});

describe('a --db file at start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpc-narrative-markup-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [
      'a raw meta with an unknown element',
      (r: Loose) => Object.assign(r, { meta: { bogus: { x: 1 } } }),
      /state\.appointments\[0\]\.resource\.meta\.bogus/,
    ],
    ['a raw id with a control character', (r: Loose) => Object.assign(r, { id: '\u0001' }), /resource\.id/],
    [
      'a narrative with a comment',
      (r: Loose) => Object.assign(r, { text: { status: 'generated', div: MARKUP[1]![1] } }),
      /a comment .* is not allowed in a FHIR narrative/,
    ],
  ])('refuses %s, naming the JSON path', async (name, poison, message) => {
    const db = join(dir, `${name.replaceAll(' ', '-')}.json`);
    const sb = await startSandbox({ db, clock: '2026-06-01T08:00:00+01:00' });
    const res = await fetch(`${sb.fhirBase}/Appointment`, {
      method: 'POST',
      headers: { ...envelope('create:appointment-1'), 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify(seedExample()),
    });
    expect(res.status).toBe(201);
    const doc = coreOf(sb).snapshot();
    await sb.close();
    poison(doc.state.appointments[0]!.resource as Loose);
    writeFileSync(db, JSON.stringify(doc));
    await expect(startSandbox({ db })).rejects.toThrow(message);
  });
});
