/**
 * The fuzz suite (issue 13): every FHIR route × JSON and XML (asked by `_format`, by `Accept`, and
 * by the request Content-Type) × a hostile corpus (control characters, unknown elements, wrong
 * types, deep nesting, huge values, odd encodings) in bodies, queries and headers, plus every admin
 * and fixture call with hostile bodies and queries. It runs against the built CLI, so a crash is a
 * dead process, not an error a test runner swallows.
 *
 * Asserted for every answer: the process is still up; a FHIR answer is a well-formed resource in
 * the negotiated format (an OperationOutcome with diagnostics when 4xx, never 5xx) carrying
 * X-Content-Type-Options: nosniff; an admin answer is JSON (`{error, field}` when refused, never
 * 5xx). Then everything stored is read back in both formats, and ordinary requests still work.
 *
 * Seeded (FUZZ_SEED, fixed; the same corpus on every run) and bounded (a few hundred requests per
 * profile, eight at a time).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEnvelope } from '../../src/auth/build-headers.js';
import { fromFhirXml, toFhirXml } from '../../src/fhir/xml.js';
import { FHIR_ROUTES } from '../../src/http/fhir-routes.js';
import { gpcBooking, seedExample } from '../helpers/bodies.js';
import { type RunningCli, startCli } from '../helpers/cli.js';
import { type RawResponse, rawRequest, requestBytes, seededRandom, wrongType } from '../helpers/hostile.js';

const FUZZ_SEED = 20261129;
const CLOCK = '2026-06-01T08:00:00+01:00';
const FHIR_JSON = 'application/fhir+json;charset=utf-8';
const FHIR_XML = 'application/fhir+xml;charset=utf-8';
const ADMIN_CASES_PER_CALL = 5;

type Random = () => number;
type Json = Record<string, unknown>;
type Format = 'json' | 'xml';

interface FuzzCase {
  name: string;
  /** `GET /Slot`, `PUT /_admin/snapshot`: what the case exercises. */
  route: string;
  bytes: Buffer;
  surface: 'fhir' | 'admin';
  /** The format the answer must be in; undefined when the request itself leaves it open. */
  format?: Format;
}

/** Sets a header, replacing one of the same name (a second would be joined with the first). */
function setHeader(headers: Array<[string, string]>, name: string, value: string): void {
  const at = headers.findIndex(([n]) => n.toLowerCase() === name.toLowerCase());
  if (at >= 0) headers.splice(at, 1);
  headers.push([name, value]);
}

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

// ---- the hostile corpus -------------------------------------------------------------------------

const HOSTILE_STRINGS: readonly string[] = [
  '\u0000',
  'a\u0001b',
  'bell \u0007',
  '\u001b[31mred',
  'lone \ud800 surrogate',
  '\udfff',
  '\ufffe',
  '\uffff',
  '\u000b\u000c',
  '<script>alert(1)</script>',
  ']]><!--',
  '&#x1;&amp;',
  '"\'><img src=x onerror=alert(1)>',
  '../../etc/passwd',
  'Slot/\u0001',
  'Patient/1\u0000',
  '{{slotId}}',
  '\u202eevil',
  '🙂'.repeat(500),
  'x'.repeat(100_000),
  '',
  ' ',
  '\r\n',
];

function deep(levels: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

/** Stands for 5,000 levels of nesting, spliced into the JSON text (too deep to build as a value). */
const DEEP_MARKER = '\u0000deep';
const DEEP_TEXT = `${'{"a":['.repeat(2500)}1${']}'.repeat(2500)}`;

function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value).replaceAll(JSON.stringify(DEEP_MARKER), DEEP_TEXT));
}

function hostileValue(random: Random): unknown {
  const r = random();
  if (r < 0.55) return pick(random, HOSTILE_STRINGS);
  return pick(random, [
    null,
    0,
    -1,
    1.5,
    1e308,
    true,
    [],
    {},
    [[[]]],
    { bogus: 1 },
    JSON.parse('{"__proto__":{"polluted":1}}'),
    { constructor: { prototype: { polluted: 1 } } },
    deep(40),
    DEEP_MARKER,
    Array.from({ length: 2000 }, (_, i) => i),
  ]);
}

const HOSTILE_DIVS: readonly string[] = [
  '<div xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></div>',
  '<div xmlns="http://www.w3.org/1999/xhtml"><p onclick="x()">a</p></div>',
  '<div xmlns="http://www.w3.org/1999/xhtml"><a href="javascript:x()">a</a></div>',
  '<div xmlns="http://www.w3.org/1999/xhtml"><img src="https://tracker.example/p.gif"/></div>',
  '<div xmlns="http://www.w3.org/1999/xhtml"><iframe src="#a"/>a</div>',
  '<div xmlns="http://www.w3.org/1999/xhtml">\u0001</div>',
  '<div><p>unclosed</div>',
  '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><div>&e;</div>',
];

function pathsOf(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value !== 'object' || value === null) return [];
  const keys: Array<string | number> = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return keys.flatMap((k) => [[...prefix, k], ...pathsOf((value as Json)[k as string], [...prefix, k])]);
}

function valueAt(root: unknown, path: ReadonlyArray<string | number>): unknown {
  let node = root;
  for (const key of path) node = (node as Json)[key as string];
  return node;
}

function parentOf(root: unknown, path: ReadonlyArray<string | number>): Json {
  return valueAt(root, path.slice(0, -1)) as Json;
}

/** One to three hostile changes to a copy of a valid body. */
function mutate(random: Random, valid: Json): { body: Json; what: string } {
  const body = structuredClone(valid);
  const what: string[] = [];
  const n = 1 + Math.floor(random() * 3);
  for (let i = 0; i < n; i++) {
    const paths = pathsOf(body);
    const kind = random();
    if (kind < 0.45 && paths.length > 0) {
      const path = pick(random, paths);
      parentOf(body, path)[path[path.length - 1] as string] = hostileValue(random);
      what.push(`${path.join('.')}=hostile`);
    } else if (kind < 0.7) {
      const objects = [[], ...paths].filter((p) => {
        const v = valueAt(body, p);
        return typeof v === 'object' && v !== null && !Array.isArray(v);
      });
      const path = pick(random, objects);
      const target = valueAt(body, path) as Json;
      const key = pick(random, [
        'bogus',
        'constructor',
        '_status',
        'resourceType',
        'extension',
        '\u0001',
        'k'.repeat(300),
      ]);
      target[key] = hostileValue(random);
      what.push(`${path.join('.')}.${key.slice(0, 12)} added`);
    } else if (kind < 0.85 && paths.length > 0) {
      const path = pick(random, paths);
      delete parentOf(body, path)[path[path.length - 1] as string];
      what.push(`${path.join('.')} removed`);
    } else {
      body['text'] = { status: 'generated', div: pick(random, HOSTILE_DIVS) };
      what.push('hostile narrative');
    }
  }
  return { body, what: what.join(', ') };
}

const CONTROL_STRINGS: readonly string[] = [
  'a\u0001b',
  'bell \u0007',
  '\u001b[31mred',
  'lone \ud800',
  '\ufffe',
  'nul \u0000',
  'Slot/\u0001',
];

/** The kinds of hostile body each body route meets in every format mode. */
const BODY_KINDS = [
  'valid',
  'control character',
  'unknown element',
  'wrong type',
  'deep nesting',
  'huge value',
  'hostile narrative',
  'odd encoding',
] as const;
type BodyKind = (typeof BODY_KINDS)[number];

/** The kinds of hostile request each GET route meets in every format mode. */
const GET_KINDS = ['valid', 'control character', 'odd encoding or huge value', 'hostile headers'] as const;

/** One change of `kind` to a copy of a valid body. */
function mutateKind(random: Random, valid: Json, kind: BodyKind): { body: Json; what: string } {
  if (kind === 'valid' || kind === 'odd encoding') return { body: structuredClone(valid), what: kind };
  const body = structuredClone(valid);
  const paths = pathsOf(body);
  const strings = paths.filter((p) => typeof valueAt(body, p) === 'string');
  const objects = [[], ...paths].filter((p) => {
    const v = valueAt(body, p);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  });
  const set = (path: Array<string | number>, value: unknown) => {
    parentOf(body, path)[path[path.length - 1] as string] = value;
  };
  let path: Array<string | number> = [];
  switch (kind) {
    case 'control character':
      path = pick(random, strings);
      set(path, pick(random, CONTROL_STRINGS));
      break;
    case 'unknown element':
      path = [...pick(random, objects), 'bogus'];
      (valueAt(body, path.slice(0, -1)) as Json)['bogus'] = pick(random, [1, 'x', { a: 1 }, []]);
      break;
    case 'wrong type':
      path = pick(random, paths);
      set(path, wrongType(valueAt(body, path)));
      break;
    case 'deep nesting':
      path = pick(random, paths);
      set(path, random() < 0.5 ? DEEP_MARKER : deep(60));
      break;
    case 'huge value':
      path = pick(random, strings);
      set(path, random() < 0.5 ? 'x'.repeat(100_000) : '🙂'.repeat(20_000));
      break;
    case 'hostile narrative':
      body['text'] = { status: 'generated', div: pick(random, HOSTILE_DIVS) };
      path = ['text', 'div'];
      break;
  }
  return { body, what: `${kind} at ${path.join('.')}` };
}

/** An XML body: the mutated resource when FHIR XML can carry it, else hostile text in valid XML. */
function xmlBody(random: Random, valid: Json, mutated: Json): Buffer {
  try {
    if (random() < 0.5) return Buffer.from(toFhirXml(mutated));
  } catch {
    // Not writable as FHIR XML: damage the valid one's text instead.
  }
  const xml = toFhirXml(valid);
  const at = xml.indexOf('>', xml.indexOf('<', 40)) + 1;
  const damage = pick(random, [
    '<bogus value="x"/>',
    '<comment value="&#x1;"/>',
    '<comment value="&#xFFFE;"/>',
    `<comment value="${'x'.repeat(150_000)}"/>`,
    '<minutesDuration value="ten"/>',
    '<priority value="1e999"/>',
    '<text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><script>x()</script></div></text>',
    `${'<extension url="x">'.repeat(300)}${'</extension>'.repeat(300)}`,
    '<![CDATA[x]]>',
    '<?pi x?>',
  ]);
  const out =
    random() < 0.1 ? `<!DOCTYPE a [<!ENTITY e "x">]>${xml}` : `${xml.slice(0, at)}${damage}${xml.slice(at)}`;
  return Buffer.from(random() < 0.1 ? out.slice(0, Math.floor(out.length * random())) : out);
}

/** Percent-encodes the UTF-8 bytes of `text` (lone surrogates become U+FFFD, as a browser sends). */
function pct(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const HOSTILE_QUERY_PARTS: readonly string[] = [
  '%00',
  '%01%07',
  '%C0%AF',
  '%FF%FE',
  '%ZZ',
  '%',
  '%ED%A0%80',
  'a[b][c]=1',
  '__proto__[x]=1',
  `${'x'.repeat(6000)}`,
];

function hostileQuery(random: Random, base: string): string {
  const params = base === '' ? [] : base.split('&');
  const n = 1 + Math.floor(random() * 2);
  for (let i = 0; i < n; i++) {
    const r = random();
    if (r < 0.4 && params.length > 0) {
      const at = Math.floor(random() * params.length);
      const name = params[at]!.split('=')[0]!;
      params[at] =
        `${name}=${random() < 0.5 ? pick(random, HOSTILE_QUERY_PARTS) : pct(pick(random, HOSTILE_STRINGS).slice(0, 3000))}`;
    } else if (r < 0.7) {
      params.push(
        `${pick(random, ['bogus', 'identifier', 'start', '_include', '_count', 'status'])}=${pct(String(hostileValue(random)).slice(0, 3000))}`,
      );
    } else {
      params.push(pick(random, HOSTILE_QUERY_PARTS));
    }
  }
  return params.join('&');
}

/** Header changes; `parser` when Node's HTTP parser itself refuses the request (answered in JSON). */
function hostileHeaders(random: Random): { headers: Array<[string, string]>; parser: boolean } {
  const headers: Array<[string, string]> = [];
  let parser = false;
  const n = Math.floor(random() * 3);
  for (let i = 0; i < n; i++) {
    const r = random();
    if (r < 0.12) {
      headers.push(['X-Hostile', 'a\u0001b']);
      parser = true;
    } else {
      headers.push(
        pick(random, [
          ['Ssp-TraceID', 'not-a-uuid\t'],
          ['Ssp-From', 'x'.repeat(4000)],
          ['Ssp-InteractionID', 'urn:nhs:names:services:gpconnect:fhir:rest:read:nothing-1'],
          [
            'Authorization',
            `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"reason_for_request":"\\u0001"}').toString('base64url')}.`,
          ],
          ['Authorization', 'Bearer \u00ff\u00fe'],
          ['X-Sandbox-Session', pick(random, ['../x', 'caf\u00e9', 's'.repeat(300), ' ', 'fuzz-session'])],
          [
            'X-Sandbox-Fault',
            pick(random, [
              '\u00ff',
              'error=999:NOPE',
              '{"__proto__":{"drop":"hang"}}',
              'delay=-5',
              'drop',
              '{',
            ]),
          ],
          ['If-Match', 'W/"\u00e9"'],
          ['Prefer', 'return=minimal;;;'],
          ['Content-Encoding', pick(random, ['gzip', 'br', 'x-unknown'])],
          ['Accept-Charset', 'utf-16'],
        ] as Array<[string, string]>),
      );
    }
  }
  return { headers, parser };
}

// ---- what each route wants ----------------------------------------------------------------------

const INTERACTION: Record<string, string> = {
  'GET /metadata': 'read:metadata-1',
  'POST /Appointment': 'create:appointment-1',
  'GET /Appointment/{id}': 'read:appointment-1',
  'GET /Appointment/{id}/_history/{vid}': 'read:appointment-1',
  'GET /Patient': 'search:patient-1',
  'GET /Patient/{id}': 'read:patient-1',
  'GET /Organization': 'search:organization-1',
  'GET /Organization/{id}': 'read:organization-1',
  'GET /Practitioner': 'search:practitioner-1',
  'GET /Practitioner/{id}': 'read:practitioner-1',
  'GET /Location/{id}': 'read:location-1',
  'GET /Slot': 'search:slot-1',
  'PUT /Appointment/{id}': 'update:appointment-1',
  'GET /Patient/{id}/Appointment': 'search:patient_appointments-1',
};

const QUERY: Record<string, string> = {
  'GET /Patient': 'identifier=https://fhir.nhs.uk/Id/nhs-number|9000000009',
  'GET /Organization': 'identifier=https://fhir.nhs.uk/Id/ods-organization-code|A20047',
  'GET /Practitioner': 'identifier=https://fhir.nhs.uk/Id/sds-user-id|G13579135',
  'GET /Slot': 'start=ge2026-06-02&end=le2026-06-03&status=free&_include=Slot:schedule',
  'GET /Patient/{id}/Appointment': 'start=ge2026-06-01&start=le2026-06-14',
};

const IDS: Record<string, readonly string[]> = {
  Appointment: ['1', '2', '3', '999'],
  Patient: ['1', '2', '3', 'fx1'],
  Organization: ['o1', 'o2'],
  Practitioner: ['p1', 'p2'],
  Location: ['l1', 'l2'],
};

function randomSlot(random: Random): { id: string; start: string; end: string } {
  const day = String(2 + Math.floor(random() * 7)).padStart(2, '0');
  const minutes = 9 * 60 + 10 * Math.floor(random() * 48);
  const hhmm = (m: number) =>
    `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  return {
    id: `s1-202606${day}${hhmm(minutes).replace(':', '')}`,
    start: `2026-06-${day}T${hhmm(minutes)}:00+01:00`,
    end: `2026-06-${day}T${hhmm(minutes + 10)}:00+01:00`,
  };
}

type Profile = 'careconnect' | 'gpconnect-1.2.7';

function validBooking(random: Random, profile: Profile): Json {
  const slot = randomSlot(random);
  return profile === 'careconnect' ? seedExample(slot.id) : gpcBooking({ slots: [slot] });
}

/** The modes a client picks its format by; the last leaves the format to a hostile _format. */
const MODES = [
  '_format json',
  '_format xml',
  'Accept json',
  'Accept xml',
  'Content-Type xml',
  'hostile format',
] as const;

function fhirCases(random: Random, profile: Profile, base: string, stored: Json): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const media = (f: Format) => `application/fhir+${f}`;
  for (const route of FHIR_ROUTES) {
    const key = `${route.method} ${route.template}`;
    for (const mode of MODES) {
      const kinds: readonly string[] = route.method === 'GET' ? GET_KINDS : BODY_KINDS;
      for (const kind of kinds) {
        const params: string[] = [];
        let query = QUERY[key] ?? '';
        let id = pick(random, IDS[route.template.split('/')[1]!] ?? ['1']);
        if (route.method === 'GET' && kind === 'control character') {
          if (route.template.includes('{id}') && random() < 0.5) id = pct(pick(random, CONTROL_STRINGS));
          else
            query = `${query}${query ? '&' : ''}${pick(random, ['identifier', 'start', 'bogus'])}=${pct(pick(random, CONTROL_STRINGS))}`;
        } else if (route.method === 'GET' && kind === 'odd encoding or huge value' && random() < 0.6) {
          query = `${query}${query ? '&' : ''}${pick(random, ['%C0%AF', '%FF%FE=1', '%ZZ', '%', 'identifier=%ED%A0%80', 'start=%E9', 'a[b][c]=1', '__proto__[x]=1'])}`;
        } else if (route.method === 'GET' && kind === 'odd encoding or huge value') {
          query = `${query}${query ? '&' : ''}${random() < 0.5 ? `bogus=${'x'.repeat(6000)}` : 'a=1&'.repeat(500)}`;
        } else if (random() < 0.15) {
          query = hostileQuery(random, query);
        }
        const path = route.template.replace(/\{id\}/, id).replace(/\{vid\}/, '1');
        if (query) params.push(query);
        const interaction =
          key === 'PUT /Appointment/{id}' && random() < 0.5 ? 'cancel:appointment-1' : INTERACTION[key]!;
        const headers: Array<[string, string]> = Object.entries(buildEnvelope(interaction));
        let format: Format | undefined;
        let contentType = 'application/fhir+json';
        if (mode === '_format json' || mode === '_format xml') {
          format = mode === '_format json' ? 'json' : 'xml';
          params.push(`_format=${pct(media(format))}`);
        } else if (mode === 'Accept json' || mode === 'Accept xml') {
          format = mode === 'Accept json' ? 'json' : 'xml';
          setHeader(headers, 'Accept', media(format));
        } else if (mode === 'Content-Type xml') {
          format = 'xml';
          contentType = 'application/fhir+xml';
          // The envelope's Accept would decide otherwise.
          headers.splice(
            headers.findIndex(([n]) => n === 'Accept'),
            1,
          );
        } else {
          params.push(
            `_format=${pct(pick(random, ['text/html', 'application/fhir+json;charset=latin1', '*/*;q=x', '\u0001', 'xml;q=0']))}`,
          );
        }
        if (random() < 0.5 && mode !== 'Content-Type xml' && !mode.startsWith('Accept'))
          contentType = pick(random, ['application/fhir+xml', 'application/fhir+json']);
        let body: Buffer | undefined;
        let what = '';
        if (route.method === 'POST' || route.method === 'PUT') {
          const valid = route.method === 'POST' ? validBooking(random, profile) : structuredClone(stored);
          const mutated = mutateKind(random, valid, kind as BodyKind);
          what = mutated.what;
          const asXml = contentType === 'application/fhir+xml';
          body = asXml ? xmlBody(random, valid, mutated.body) : encodeJson(mutated.body);
          const encoding = kind === 'odd encoding' ? random() * 0.2 : 1;
          if (encoding < 0.05) {
            body = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(body.toString(), 'utf16le')]);
            contentType += ';charset=utf-16';
            // The request Content-Type decides the answer's format only in this mode; now it cannot.
            if (mode === 'Content-Type xml') format = undefined;
          } else if (encoding < 0.1) {
            body = Buffer.from(body.toString().replace(/description|comment/, 'd\u00e9scription'), 'latin1');
          } else if (encoding < 0.15) {
            body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]);
          } else if (encoding < 0.2) {
            setHeader(headers, 'Content-Encoding', pick(random, ['gzip', 'deflate', 'br']));
          }
          setHeader(headers, 'Content-Type', contentType);
        } else if (mode === 'Content-Type xml' || random() < 0.3) {
          setHeader(headers, 'Content-Type', contentType);
        }
        const hostile =
          kind === 'hostile headers' || (kind !== 'valid' && random() < 0.1)
            ? hostileHeaders(random)
            : { headers: [], parser: false };
        for (const [name, value] of hostile.headers) setHeader(headers, name, value);
        // Node's parser refuses these before any negotiation (the answer is JSON).
        if (hostile.parser) format = undefined;
        const target = `${base}${path}${params.length > 0 ? `?${params.join('&')}` : ''}`;
        cases.push({
          name: `${profile} ${key} [${mode}] ${kind}: ${target.slice(0, 120)} ${what} ${hostile.headers.map(([h]) => h).join(',')}`,
          route: key,
          bytes: requestBytes(route.method, target, headers, body),
          surface: 'fhir',
          format,
        });
      }
    }
  }
  return cases;
}

const ADMIN_CALLS: ReadonlyArray<[string, string, string, Json | undefined]> = [
  ['GET', '/_admin/health', '', undefined],
  ['GET', '/_admin/auth', '', undefined],
  ['GET', '/_admin/state', 'days=3', undefined],
  ['POST', '/_admin/reset', '', undefined],
  ['GET', '/_admin/requests', 'limit=5', undefined],
  ['GET', '/_admin/scenarios', '', undefined],
  ['PUT', '/_admin/scenario', '', { name: 'slot-race' }],
  ['GET', '/_admin/faults', '', undefined],
  ['POST', '/_admin/faults', '', { name: 'f', when: { path: '/Nope' }, error: { code: 'BAD_REQUEST' } }],
  ['DELETE', '/_admin/faults/f', '', undefined],
  ['GET', '/_admin/clock', '', undefined],
  ['PUT', '/_admin/clock', '', { now: CLOCK }],
  ['GET', '/_admin/snapshot', '', undefined],
  ['PUT', '/_admin/snapshot', '', undefined],
  [
    'POST',
    '/_admin/patients',
    '',
    { name: { family: 'Fuzz', given: ['Fay'] }, gender: 'female', birthDate: '1990-01-01' },
  ],
  ['POST', '/_admin/slots', '', { slotId: 's2-202606031000', status: 'busy' }],
  ['POST', '/_admin/appointments', '', { patientId: '2', slotIds: ['s2-202606041000'], comment: 'fixture' }],
];

function adminCases(random: Random, profile: Profile, snapshot: Json): FuzzCase[] {
  const cases: FuzzCase[] = [];
  for (const [method, path, baseQuery, baseBody] of ADMIN_CALLS) {
    for (let n = 0; n < ADMIN_CASES_PER_CALL; n++) {
      // Each in its own session, so a reset or an import touches only what the fuzz made.
      const headers: Array<[string, string]> = [['X-Sandbox-Session', `fuzz-admin-${n % 3}`]];
      const query = random() < 0.4 ? hostileQuery(random, baseQuery) : baseQuery;
      const valid = path === '/_admin/snapshot' && method === 'PUT' ? snapshot : baseBody;
      let body: Buffer | undefined;
      let what = '';
      if (valid !== undefined || random() < 0.2) {
        const mutated =
          valid && random() < 0.85 ? mutate(random, valid) : { body: valid ?? {}, what: 'as is' };
        what = mutated.what;
        const r = random();
        body =
          r < 0.08
            ? Buffer.from(toFhirXmlOrText(mutated.body))
            : r < 0.14
              ? Buffer.from(JSON.stringify(mutated.body).slice(0, 20))
              : encodeJson(mutated.body);
        headers.push([
          'Content-Type',
          r < 0.08
            ? 'application/xml'
            : pick(random, [
                'application/json',
                'application/json',
                'text/plain',
                'application/json; charset=utf-16',
              ]),
        ]);
      }
      if (random() < 0.2) {
        for (const [name, value] of hostileHeaders(random).headers) {
          if (name !== 'X-Hostile' && name !== 'X-Sandbox-Session') setHeader(headers, name, value);
        }
      }
      const target = `${path}${query ? `?${query}` : ''}`;
      cases.push({
        name: `${profile} ${method} ${target.slice(0, 100)} ${what}`,
        route: `${method} ${path}`,
        bytes: requestBytes(method, target, headers, body),
        surface: 'admin',
      });
    }
  }
  return cases;
}

function toFhirXmlOrText(value: Json): string {
  try {
    return toFhirXml({ resourceType: 'Parameters', ...value });
  } catch {
    return `<x>${JSON.stringify(value).slice(0, 100)}</x>`;
  }
}

// ---- what every answer must be ------------------------------------------------------------------

/** Why a FHIR answer is not acceptable, or undefined. */
function fhirProblem(res: RawResponse, format: Format | undefined): string | undefined {
  if (res.status >= 500) return `status ${res.status}: ${res.text.slice(0, 300)}`;
  if (res.headers['x-content-type-options'] !== 'nosniff') return 'no X-Content-Type-Options: nosniff';
  if (res.status === 204 || (res.status < 300 && res.text === '')) return undefined;
  const type = res.headers['content-type'];
  const actual = type === FHIR_XML ? 'xml' : type === FHIR_JSON ? 'json' : undefined;
  if (!actual) return `Content-Type ${type}`;
  if (format && actual !== format) return `answered ${actual}, asked ${format}: ${res.text.slice(0, 200)}`;
  const bundle =
    actual === 'xml'
      ? res.text.startsWith('<?xml version="1.0" encoding="UTF-8"?><Bundle xmlns="http://hl7.org/fhir">')
      : res.text.startsWith('{"resourceType":"Bundle"');
  if (res.status < 300 && bundle && res.text.length > 64 * 1024) {
    // A large search answer (a day of slots) is built from the seed, and parsing it on a loaded
    // box costs more than the rest of the run: check its frame only.
    return res.text.endsWith(actual === 'xml' ? '</Bundle>' : '}') ? undefined : 'a truncated Bundle';
  }
  let body: Json;
  try {
    body = actual === 'xml' ? fromFhirXml(res.text) : JSON.parse(res.text);
  } catch (error) {
    return `not well-formed FHIR ${actual}: ${(error as Error).message.slice(0, 200)}`;
  }
  if (res.status >= 400) {
    const issue = (body['issue'] as Json[] | undefined)?.[0];
    if (body['resourceType'] !== 'OperationOutcome' || typeof issue?.['diagnostics'] !== 'string')
      return `a ${res.status} that is not an OperationOutcome with diagnostics`;
  } else if (typeof body['resourceType'] !== 'string') {
    return 'a success that is not a FHIR resource';
  }
  return undefined;
}

/** Why an admin answer is not acceptable, or undefined. */
function adminProblem(res: RawResponse): string | undefined {
  if (res.status >= 500) return `status ${res.status}: ${res.text.slice(0, 300)}`;
  if (res.status === 304 || res.status === 204) return undefined;
  if (!/^application\/json/.test(res.headers['content-type'] ?? ''))
    return `Content-Type ${res.headers['content-type']}`;
  let body: Json;
  try {
    body = JSON.parse(res.text);
  } catch {
    return `not JSON: ${res.text.slice(0, 200)}`;
  }
  if (res.status >= 400) {
    if (typeof body['error'] !== 'string' || body['error'] === '') return `a ${res.status} without error`;
    if ((res.status === 400 || res.status === 413) && typeof body['field'] !== 'string')
      return `a ${res.status} without field: ${res.text.slice(0, 200)}`;
  }
  return undefined;
}

// ---- the run ------------------------------------------------------------------------------------

async function ordinaryRequestsWork(cli: RunningCli, base: string): Promise<string | undefined> {
  if (cli.child.exitCode !== null || cli.child.signalCode !== null)
    return `the process is down (exit ${cli.child.exitCode ?? cli.child.signalCode}): ${cli.stderr().slice(-1500)}`;
  const metadata = await fetch(`${cli.url}${base}/metadata?_format=${pct('application/fhir+xml')}`, {
    headers: buildEnvelope('read:metadata-1'),
  }).catch((error: Error) => error);
  if (metadata instanceof Error || metadata.status !== 200)
    return `GET /metadata failed: ${String(metadata)}`;
  const health = await fetch(`${cli.url}/_admin/health`).catch((error: Error) => error);
  if (health instanceof Error || health.status !== 200) return `GET /_admin/health failed: ${String(health)}`;
  return undefined;
}

async function send(port: number, c: FuzzCase): Promise<string | undefined> {
  let res: RawResponse;
  try {
    res = await rawRequest(port, c.bytes, { timeoutMs: 20_000 });
  } catch (error) {
    return (error as Error).message;
  }
  return c.surface === 'fhir' ? fhirProblem(res, c.format) : adminProblem(res);
}

describe.each([
  ['careconnect', ''],
  ['gpconnect-1.2.7', '/A20047/STU3/1/gpconnect'],
] as const)('fuzz (%s, base path "%s")', (profile, base) => {
  let cli: RunningCli;
  const port = () => Number(new URL(cli.url).port);
  beforeAll(async () => {
    cli = await startCli([
      ...['--profile', profile, '--clock', CLOCK, '--quiet'],
      ...(base ? ['--base-path', base] : []),
    ]);
  });
  afterAll(async () => {
    await cli?.stop();
  });

  it('survives every route × format × hostile input with well-formed answers, and serves what it stored', async () => {
    const random = seededRandom(FUZZ_SEED + (profile === 'careconnect' ? 0 : 1));
    // Three valid bookings for the PUTs to work on.
    let stored: Json | undefined;
    for (const time of ['0900', '0910', '0920']) {
      const slot = {
        id: `s1-20260602${time}`,
        start: `2026-06-02T${time.slice(0, 2)}:${time.slice(2)}:00+01:00`,
        end: '',
      };
      slot.end = slot.start.replace(
        /:(\d0):00\+/,
        (_m, mm: string) => `:${String(Number(mm) + 10).padStart(2, '0')}:00+`,
      );
      const res = await fetch(`${cli.url}${base}/Appointment`, {
        method: 'POST',
        headers: { ...buildEnvelope('create:appointment-1'), 'Content-Type': 'application/fhir+json' },
        body: JSON.stringify(
          profile === 'careconnect' ? seedExample(slot.id) : gpcBooking({ slots: [slot] }),
        ),
      });
      expect(res.status).toBe(201);
      stored ??= (await res.json()) as Json;
    }
    const snapshot = (await (await fetch(`${cli.url}/_admin/snapshot`)).json()) as Json;

    const cases = [...fhirCases(random, profile, base, stored!), ...adminCases(random, profile, snapshot)];
    // A seeded shuffle, so FHIR and admin requests interleave the same way on every run.
    for (let i = cases.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [cases[i], cases[j]] = [cases[j]!, cases[i]!];
    }
    // Every FHIR route and every admin call, each in every format mode.
    expect(new Set(cases.map((c) => c.route)).size).toBe(FHIR_ROUTES.length + ADMIN_CALLS.length);

    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < cases.length && failures.length < 20) {
        const c = cases[next++]!;
        const problem = await send(port(), c);
        if (problem) failures.push(`${c.name}: ${problem}`);
        if (next % 50 === 0) {
          const down = await ordinaryRequestsWork(cli, base);
          if (down) failures.push(`after case ${next}: ${down}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(failures, `seed ${FUZZ_SEED}`).toEqual([]);

    // Everything that was stored, in the default state and in the sessions, reads in both formats.
    for (const session of [undefined, 'fuzz-admin-0', 'fuzz-admin-1', 'fuzz-admin-2']) {
      const sessionHeader: Record<string, string> = session ? { 'X-Sandbox-Session': session } : {};
      const state = (await (
        await fetch(`${cli.url}/_admin/state?days=30`, { headers: sessionHeader })
      ).json()) as {
        appointments: Json[];
        patients: Json[];
      };
      // Fixture patients and the patients the bookings and fixtures used.
      const patients = state.patients.map((p) => String(p['id'])).filter((id) => /^(fx\d+|1|2)$/.test(id));
      const reads = [
        ...state.appointments.map((a) => [`/Appointment/${a['id']}`, 'read:appointment-1'] as const),
        ...patients.map((id) => [`/Patient/${id}`, 'read:patient-1'] as const),
        ...patients.map(
          (id) =>
            [
              `/Patient/${id}/Appointment?start=ge2026-06-01&start=le2026-06-14&`,
              'search:patient_appointments-1',
            ] as const,
        ),
      ];
      const sweep = reads.flatMap(([path, interaction]) =>
        (['json', 'xml'] as const).map((format) => ({ path, interaction, format })),
      );
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let job = sweep.pop(); job; job = sweep.pop()) {
            const { path, interaction, format } = job;
            const res = await rawRequest(
              port(),
              requestBytes(
                'GET',
                `${base}${path}${path.includes('?') ? '' : '?'}_format=${pct(`application/fhir+${format}`)}`,
                [...Object.entries({ ...buildEnvelope(interaction), ...sessionHeader })],
              ),
            );
            const problem = fhirProblem(res, format);
            if (problem) failures.push(`${session ?? 'default'} ${path} as ${format}: ${problem}`);
          }
        }),
      );
    }
    expect(failures, `seed ${FUZZ_SEED}`).toEqual([]);
    expect(await ordinaryRequestsWork(cli, base)).toBeUndefined();
  }, 90_000);
});
