/**
 * Hostile clients for the reliability tests: a raw-socket HTTP client that sends bytes exactly as
 * given (no client library tidies them), a tolerant response reader, and a generated corpus of
 * hostile requests. Everything here is deterministic: the corpus is the same on every run.
 */
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { buildEnvelope } from '../../src/auth/build-headers.js';
import { mulberry32 } from '../../src/faults/random.js';

export interface RawResponse {
  status: number;
  reason: string;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  text: string;
}

export interface RawOptions {
  /** Give up (reject) when no complete response arrives in this time. */
  timeoutMs?: number;
}

/**
 * Send `bytes` over a fresh TCP connection and read one response. Writes that fail because the
 * server already answered and closed (EPIPE, ECONNRESET) are ignored: the answer is what counts.
 * Rejects when the connection closes without a response, or on timeout (a hang).
 */
export function rawRequest(
  port: number,
  bytes: Buffer | string,
  options: RawOptions = {},
): Promise<RawResponse> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (error: Error | undefined, response?: RawResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(response!);
    };
    const timer = setTimeout(
      () => finish(new Error(`no complete response within ${timeoutMs} ms (the server hung)`)),
      timeoutMs,
    );
    const headRequest = Buffer.from(bytes.slice(0, 5)).toString('latin1') === 'HEAD ';
    const tryParse = (ended: boolean) => {
      const parsed = parseResponse(Buffer.concat(chunks), ended, headRequest);
      if (parsed) finish(undefined, parsed);
      else if (ended) {
        const got = Buffer.concat(chunks).toString('latin1').slice(0, 200);
        finish(new Error(`the connection closed without a complete response (got ${JSON.stringify(got)})`));
      }
    };
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      tryParse(false);
    });
    socket.on('end', () => tryParse(true));
    socket.on('close', () => tryParse(true));
    socket.on('error', () => {
      // EPIPE/ECONNRESET while we still write: the response (if any) decides.
    });
    socket.on('connect', () => {
      socket.write(bytes, () => {});
    });
  });
}

/**
 * One HTTP/1.1 response (after any 1xx) from the bytes so far, or undefined when incomplete.
 * `headRequest`: the answer to a HEAD request, which has no body whatever its headers say.
 */
export function parseResponse(data: Buffer, ended: boolean, headRequest = false): RawResponse | undefined {
  let offset = 0;
  for (;;) {
    const headEnd = data.indexOf('\r\n\r\n', offset);
    if (headEnd < 0) return undefined;
    const head = data.subarray(offset, headEnd).toString('latin1');
    const [statusLine = '', ...lines] = head.split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(statusLine);
    if (!m) throw new Error(`not an HTTP response: ${JSON.stringify(statusLine.slice(0, 100))}`);
    const status = Number(m[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const bodyStart = headEnd + 4;
    if (status >= 100 && status < 200) {
      offset = bodyStart;
      continue;
    }
    let body: Buffer | undefined;
    if (headRequest) {
      body = Buffer.alloc(0);
    } else if (headers['transfer-encoding']?.toLowerCase().includes('chunked')) {
      body = dechunk(data.subarray(bodyStart));
    } else if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      if (data.length - bodyStart >= length) body = data.subarray(bodyStart, bodyStart + length);
    } else if (ended || status === 204 || status === 304) {
      body = data.subarray(bodyStart);
    }
    if (!body) return undefined;
    return { status, reason: m[2] ?? '', headers, body, text: body.toString('utf8') };
  }
}

function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', offset);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(data.subarray(offset, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) throw new Error('bad chunk size in the response');
    const start = lineEnd + 2;
    if (size === 0) return Buffer.concat(parts);
    if (data.length < start + size + 2) return undefined;
    parts.push(data.subarray(start, start + size));
    offset = start + size + 2;
  }
}

/** Build request bytes; `headers` are sent exactly as given, in order, after Host. */
export function requestBytes(
  method: string,
  target: string,
  headers: ReadonlyArray<readonly [string, string]>,
  body?: Buffer,
  options: { host?: string | null; version?: string; contentLength?: boolean } = {},
): Buffer {
  const lines = [`${method} ${target} ${options.version ?? 'HTTP/1.1'}`];
  if (options.host !== null) lines.push(`Host: ${options.host ?? '127.0.0.1'}`);
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  const chunked = headers.some(([n, v]) => n.toLowerCase() === 'transfer-encoding' && /chunked/i.test(v));
  if (body && !chunked && options.contentLength !== false) lines.push(`Content-Length: ${body.length}`);
  if (!headers.some(([n]) => n.toLowerCase() === 'connection')) lines.push('Connection: close');
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body ?? Buffer.alloc(0)]);
}

/** `body` as one chunk of chunked transfer encoding plus the last chunk. */
export function chunked(body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);
}

/** A small seeded generator (the faults' own), so the corpus is the same on every run. */
export const seededRandom = mulberry32;

export type Target = 'POST /Appointment' | 'GET /Slot' | 'GET /Patient' | 'PUT /Appointment/{id}' | 'parser';

export interface HostileCase {
  /** Unique, says what is hostile about it. */
  name: string;
  target: Target;
  /** The exact bytes to send. */
  bytes: Buffer;
  /** A specific status when one is owed (413, 431...); otherwise any 4xx. */
  status?: number;
}

export interface CorpusOptions {
  /** A body that would book, except that its slot is already taken: any 4xx is then owed. */
  booking: Record<string, unknown>;
  /** The stored appointment as GET /Appointment/{id} returns it (for PUT). */
  appointment: Record<string, unknown>;
  /** Path prefix of the FHIR base ('' for the root). */
  basePath?: string;
}

const FHIR_JSON_TYPE = 'application/fhir+json';
const MB = 1024 * 1024;

function envelopeHeaders(interaction: string, extra: Record<string, string> = {}): Array<[string, string]> {
  return Object.entries({ ...buildEnvelope(interaction), ...extra });
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** Every path into a JSON value, parents before children. */
export function pathsOf(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value !== 'object' || value === null) return [];
  const keys: Array<string | number> = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return keys.flatMap((k) => [
    [...prefix, k],
    ...pathsOf((value as Record<string | number, unknown>)[k], [...prefix, k]),
  ]);
}

export function setPath(root: unknown, path: ReadonlyArray<string | number>, value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
}

function getPath(root: unknown, path: ReadonlyArray<string | number>): unknown {
  let node = root as Record<string | number, unknown>;
  for (const key of path) node = node[key] as Record<string | number, unknown>;
  return node;
}

/** A value of another JSON type than `value`. */
export function wrongType(value: unknown): unknown {
  if (typeof value === 'string') return 42;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return 'true';
  if (Array.isArray(value)) return { 0: value[0] };
  if (typeof value === 'object' && value !== null) return [value];
  return 'x';
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * The corpus: at least 150 hostile requests, each owed a 4xx OperationOutcome. Bookings target a
 * slot already taken, so even a body the validator accepts whole gets DUPLICATE_REJECTED.
 */
export function hostileCorpus(options: CorpusOptions): HostileCase[] {
  const base = options.basePath ?? '';
  const random = seededRandom(20260601);
  const cases: HostileCase[] = [];
  const booking = options.booking;
  const bookingText = JSON.stringify(booking);

  const book = (name: string, body: Buffer, headers: Array<[string, string]> = [], status?: number) =>
    cases.push({
      name: `POST /Appointment: ${name}`,
      target: 'POST /Appointment',
      bytes: requestBytes(
        'POST',
        `${base}/Appointment`,
        [
          ...envelopeHeaders('create:appointment-1'),
          ...(headers.some(([n]) => n.toLowerCase() === 'content-type')
            ? []
            : ([['Content-Type', FHIR_JSON_TYPE]] as Array<[string, string]>)),
          ...headers,
        ],
        body,
      ),
      ...(status ? { status } : {}),
    });
  const bookRaw = (name: string, bytes: Buffer, status?: number) =>
    cases.push({
      name: `POST /Appointment: ${name}`,
      target: 'POST /Appointment',
      bytes,
      ...(status ? { status } : {}),
    });
  const withBody = (mutate: (body: Record<string, unknown>) => void): Buffer => {
    const body = clone(booking);
    mutate(body);
    return json(body);
  };

  // Random bytes, printable noise, JSON-looking noise.
  const randomBytes = (size: number) => {
    const bytes = Buffer.alloc(size);
    for (let i = 0; i < size; i++) bytes[i] = Math.floor(random() * 256);
    return bytes;
  };
  for (const size of [1, 2, 3, 7, 16, 31, 64, 100, 255, 256, 511, 1000, 1024, 4096, 10_000, 65_536]) {
    book(`${size} random bytes`, randomBytes(size));
  }
  for (const size of [5, 50, 500, 5000]) {
    let text = '';
    for (let i = 0; i < size; i++) text += String.fromCharCode(32 + Math.floor(random() * 95));
    book(`${size} random printable characters`, Buffer.from(text));
  }
  const tokens = ['{', '}', '[', ']', ':', ',', '"a"', '1', 'true', 'null', '"status"', '"booked"', ' '];
  for (const size of [10, 100, 1000]) {
    let text = '';
    for (let i = 0; i < size; i++) text += tokens[Math.floor(random() * tokens.length)];
    book(`${size} random JSON tokens`, Buffer.from(text));
  }
  for (const text of ['null', 'true', '0', '"Appointment"', '[]', '{}', '[{}]', '""', '-1e999', ' ']) {
    book(`the JSON value ${text}`, Buffer.from(text));
  }

  // Truncated JSON, at 15 points.
  for (let i = 1; i <= 15; i++) {
    const at = Math.floor((bookingText.length * i) / 16);
    book(`JSON truncated at byte ${at}`, Buffer.from(bookingText.slice(0, at)));
  }

  // Deep nesting (JSON.parse takes 20,000 levels; a recursive walk would not).
  const deep = 20_000;
  book('20,000 nested arrays', Buffer.from(`${'['.repeat(deep)}${']'.repeat(deep)}`));
  book('20,000 nested objects', Buffer.from(`${'{"a":'.repeat(deep)}1${'}'.repeat(deep)}`));
  book(
    '20,000 nested arrays in participant',
    Buffer.from(
      bookingText.replace('"participant":[', `"participant":[${'['.repeat(deep)}${']'.repeat(deep)},`),
    ),
  );
  book(
    '20,000 nested objects in an extension',
    Buffer.from(
      `{"resourceType":"Appointment","extension":${'{"extension":'.repeat(deep)}null${'}'.repeat(deep)}}`,
    ),
  );
  book('100,000 unclosed arrays', Buffer.from('['.repeat(100_000)));
  book(
    '20,000 nested XML elements',
    Buffer.from(
      `<Appointment xmlns="http://hl7.org/fhir">${'<extension url="x">'.repeat(deep)}${'</extension>'.repeat(deep)}</Appointment>`,
    ),
    [['Content-Type', 'application/fhir+xml']],
  );

  // Bodies beyond the 1 MB limit.
  const huge = withBody((b) => {
    b['description'] = 'x'.repeat(6 * MB);
  });
  book('a 6 MB body (Content-Length)', huge, [], 413);
  bookRaw(
    'a 6 MB body (chunked)',
    requestBytes(
      'POST',
      `${base}/Appointment`,
      [
        ...envelopeHeaders('create:appointment-1'),
        ['Content-Type', FHIR_JSON_TYPE],
        ['Transfer-Encoding', 'chunked'],
      ],
      chunked(huge),
    ),
    413,
  );
  book('6 MB of random bytes', randomBytes(6 * MB), [], 413);
  book(
    '1 MB + 1 byte of valid JSON',
    Buffer.concat([json(booking), Buffer.alloc(MB + 1 - json(booking).length, 0x20)]),
    [],
    413,
  );
  book(
    '2 MB of XML',
    Buffer.from(
      `<Appointment xmlns="http://hl7.org/fhir"><description value="${'x'.repeat(2 * MB)}"/></Appointment>`,
    ),
    [['Content-Type', 'application/fhir+xml']],
    413,
  );
  book('a gzip bomb (50 MB of zeros)', gzipSync(Buffer.alloc(50 * MB)), [['Content-Encoding', 'gzip']], 413);

  // Invalid UTF-8.
  const utf8Cases: Array<[string, number[]]> = [
    ['an overlong slash (C0 AF)', [0xc0, 0xaf]],
    ['a lone continuation byte', [0x80]],
    ['an encoded surrogate (ED A0 80)', [0xed, 0xa0, 0x80]],
    ['the byte FF', [0xff]],
    ['a code point above U+10FFFF (F5)', [0xf5, 0x80, 0x80, 0x80]],
    ['a truncated 3-byte sequence', [0xe2, 0x82]],
    ['a truncated 4-byte sequence', [0xf0, 0x9f, 0x98]],
    ['an overlong NUL (C0 80)', [0xc0, 0x80]],
  ];
  for (const [name, bytes] of utf8Cases) {
    const [head, tail] = bookingText.split('Free text description.');
    book(
      `invalid UTF-8 in a string: ${name}`,
      Buffer.concat([
        Buffer.from(`${head ?? bookingText.slice(0, -1)}`),
        Buffer.from(bytes),
        Buffer.from(tail ?? '}'),
      ]),
    );
  }
  book(
    'UTF-16LE with a BOM',
    Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(bookingText, 'utf16le')]),
  );
  book(
    'invalid UTF-8 in a key',
    Buffer.concat([Buffer.from('{"'), Buffer.from([0xc3, 0x28]), Buffer.from('":1}')]),
  );

  // __proto__ and friends: what the server sees must not change.
  const withoutStatus = withBody((b) => {
    delete b['status'];
  }).toString();
  book(
    'status only under __proto__',
    Buffer.from(withoutStatus.replace('{', '{"__proto__":{"status":"booked"},')),
  );
  book(
    'status only under constructor.prototype',
    Buffer.from(withoutStatus.replace('{', '{"constructor":{"prototype":{"status":"booked"}},')),
  );
  book(
    'participant actor only under __proto__',
    Buffer.from(
      withBody((b) => {
        (b['participant'] as Array<Record<string, unknown>>)[0] = { status: 'booked' };
      })
        .toString()
        .replace(/"participant":\[\{/, '"participant":[{"__proto__":{"actor":{"reference":"Patient/1"}},'),
    ),
  );
  book(
    'slot only under __proto__',
    Buffer.from(
      withBody((b) => delete b['slot'])
        .toString()
        .replace('{', '{"__proto__":{"slot":[{"reference":"Slot/x"}]},'),
    ),
  );
  for (const value of ['null', '[]', '"x"', '1', '{"__proto__":{"polluted":true}}']) {
    book(`__proto__: ${value}`, Buffer.from(bookingText.replace('{', `{"__proto__":${value},`)));
  }
  for (const key of ['constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf']) {
    book(`a "${key}" element`, Buffer.from(bookingText.replace('{', `{"${key}":{"polluted":true},`)));
  }

  // Wrong types in every element, and null in every element.
  for (const path of pathsOf(booking)) {
    const value = getPath(booking, path);
    book(
      `${path.join('.')} of the wrong type`,
      withBody((b) => setPath(b, path, wrongType(value))),
    );
    book(
      `${path.join('.')} null`,
      withBody((b) => setPath(b, path, null)),
    );
  }

  // Huge strings and odd numbers.
  book(
    'a 900 KB description',
    withBody((b) => (b['description'] = 'd'.repeat(900 * 1024))),
  );
  book('a 900 KB element name', Buffer.from(bookingText.replace('{', `{"${'k'.repeat(900 * 1024)}":1,`)));
  book(
    'a 900 KB slot reference',
    withBody(
      (b) =>
        ((b['slot'] as Array<Record<string, unknown>>)[0]!['reference'] = `Slot/${'s'.repeat(900 * 1024)}`),
    ),
  );
  book('minutesDuration 1e400', Buffer.from(bookingText.replace('{', '{"minutesDuration":1e400,')));
  book(
    'minutesDuration with 40 digits',
    Buffer.from(bookingText.replace('{', `{"minutesDuration":${'9'.repeat(40)},`)),
  );
  book('minutesDuration -0', Buffer.from(bookingText.replace('{', '{"minutesDuration":-0,')));
  book(
    '100,000 escaped NULs in a comment',
    Buffer.from(bookingText.replace('{', `{"comment":"${'\\u0000'.repeat(100_000)}",`)),
  );
  book(
    'a lone surrogate in the description',
    Buffer.from(bookingText.replace('{', '{"description":"\\ud800",')),
  );
  book(
    '100,000 elements',
    Buffer.from(
      bookingText.replace('{', `{${Array.from({ length: 100_000 }, (_, i) => `"e${i}":0`).join(',')},`),
    ),
  );
  book(
    'an array of 200,000 slots',
    withBody((b) => (b['slot'] = Array.from({ length: 200_000 }, () => ({ reference: 'Slot/x' })))),
  );

  // Odd content types and encodings.
  const types: Array<[string, Array<[string, string]>]> = [
    ['no Content-Type', [['X-No-Content-Type', '1']]],
    ['an empty Content-Type', [['Content-Type', '']]],
    ['text/plain', [['Content-Type', 'text/plain']]],
    ['application/xml with JSON', [['Content-Type', 'application/xml']]],
    ['application/fhir+xml with JSON', [['Content-Type', 'application/fhir+xml']]],
    ['multipart/form-data', [['Content-Type', 'multipart/form-data; boundary=xyz']]],
    ['a form', [['Content-Type', 'application/x-www-form-urlencoded']]],
    ['charset latin1', [['Content-Type', 'application/fhir+json; charset=latin1']]],
    ['charset utf-16', [['Content-Type', 'application/fhir+json;charset=utf-16']]],
    ['semicolons only', [['Content-Type', 'application/fhir+json;;;']]],
    ['*/*', [['Content-Type', '*/*']]],
    ['an 8,000 character type', [['Content-Type', `application/${'x'.repeat(8000)}`]]],
    ['two types', [['Content-Type', 'application/fhir+json, text/html']]],
    ['json-patch', [['Content-Type', 'application/json-patch+json']]],
    ['Content-Encoding br', [['Content-Encoding', 'br']]],
    ['Content-Encoding: gzip, not gzipped', [['Content-Encoding', 'gzip']]],
    ['Content-Encoding: deflate, not deflated', [['Content-Encoding', 'deflate']]],
    ['Content-Encoding: gzip, gzip', [['Content-Encoding', 'gzip, gzip']]],
    ['Content-Encoding: something', [['Content-Encoding', 'x-unknown']]],
  ];
  for (const [name, headers] of types) {
    const noType = headers.some(([n]) => n === 'X-No-Content-Type');
    if (noType) {
      bookRaw(
        name,
        requestBytes('POST', `${base}/Appointment`, envelopeHeaders('create:appointment-1'), json(booking)),
      );
    } else book(name, json(booking), headers);
  }
  book('gzip of the taken-slot booking', gzipSync(json(booking)), [['Content-Encoding', 'gzip']]);
  book('truncated gzip', gzipSync(json(booking)).subarray(0, 20), [['Content-Encoding', 'gzip']]);

  // Envelope and header attacks that reach the server.
  const jwt = (payload: string) =>
    `Bearer ${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(payload).toString('base64url')}.`;
  const headerAttacks: Array<[string, Array<[string, string]>]> = [
    ['Authorization: Bearer with nothing', [['Authorization', 'Bearer']]],
    ['Authorization: Basic', [['Authorization', 'Basic dXNlcjpwYXNz']]],
    ['a JWT whose payload is null', [['Authorization', jwt('null')]]],
    ['a JWT whose payload is an array', [['Authorization', jwt('[1,2,3]')]]],
    ['a JWT whose payload is not JSON', [['Authorization', jwt('{"iss":')]]],
    ['a JWT nested 4,000 levels', [['Authorization', jwt(`${'['.repeat(4000)}${']'.repeat(4000)}`)]]],
    [
      'a JWT with __proto__ claims',
      [['Authorization', jwt('{"__proto__":{"iss":"x","aud":"y"},"constructor":{"prototype":{"exp":1}}}')]],
    ],
    ['a JWT of 12 KB of claims', [['Authorization', jwt(JSON.stringify({ iss: 'x'.repeat(12_000) }))]]],
    ['a JWT with three dots', [['Authorization', 'Bearer a.b.c.d']]],
    [
      'a JWT signed with HS256',
      [['Authorization', `Bearer ${Buffer.from('{"alg":"HS256"}').toString('base64url')}.e30.c2ln`]],
    ],
    ['Ssp-TraceID with encoded CRLF', [['Ssp-TraceID', 'x%0d%0aSet-Cookie:%20a=b']]],
    ['Ssp-From of 10,000 characters', [['Ssp-From', '9'.repeat(10_000)]]],
    [
      'Ssp-InteractionID of another interaction',
      [['Ssp-InteractionID', 'urn:nhs:names:services:gpconnect:fhir:rest:search:slot-1']],
    ],
    ['Ssp-To with obs-text bytes', [['Ssp-To', '\xff\xfe918999198993']]],
    ['X-Sandbox-Session with odd characters', [['X-Sandbox-Session', '../../etc/passwd']]],
    ['X-Sandbox-Session of 5,000 characters', [['X-Sandbox-Session', 's'.repeat(5000)]]],
    ['X-Sandbox-Fault that is not JSON', [['X-Sandbox-Fault', '{not json']]],
    ['X-Sandbox-Fault nested 3,000 levels', [['X-Sandbox-Fault', `${'['.repeat(3000)}${']'.repeat(3000)}`]]],
    ['X-Sandbox-Fault with __proto__', [['X-Sandbox-Fault', '{"__proto__":{"drop":"hang"}}']]],
    ['X-Sandbox-Fault with an unknown code', [['X-Sandbox-Fault', '{"error":{"code":"EXPLODE"}}']]],
    ['Accept that is garbage', [['Accept', ';;;q=abc,,,']]],
    ['Accept of 8,000 characters', [['Accept', `application/${'y'.repeat(8000)}`]]],
    ['Prefer with odd values', [['Prefer', 'return=minimal; return=representation; \xff']]],
    ['If-None-Exist', [['If-None-Exist', 'identifier=x']]],
    ['X-HTTP-Method-Override: DELETE', [['X-HTTP-Method-Override', 'DELETE']]],
    ['Expect: 100-continue', [['Expect', '100-continue']]],
    ['Expect: something else', [['Expect', 'the-unexpected']]],
    ['1,000 small headers', Array.from({ length: 1000 }, (_, i) => [`X-H${i}`, 'v'] as [string, string])],
    ['Host with an @', [['X-Forwarded-Host', 'evil.example@127.0.0.1']]],
    ['X-Forwarded-Proto javascript', [['X-Forwarded-Proto', 'javascript']]],
  ];
  for (const [name, headers] of headerAttacks) {
    // Replace same-named envelope headers rather than repeat them.
    const names = new Set(headers.map(([n]) => n.toLowerCase()));
    const envelope = envelopeHeaders('create:appointment-1').filter(([n]) => !names.has(n.toLowerCase()));
    bookRaw(
      name,
      requestBytes(
        'POST',
        `${base}/Appointment`,
        [...envelope, ['Content-Type', FHIR_JSON_TYPE], ...headers],
        json(booking),
      ),
      name === 'Expect: something else' ? 417 : undefined,
    );
  }
  bookRaw(
    'a 100 KB Authorization header',
    requestBytes('POST', `${base}/Appointment`, [['Authorization', jwt('x'.repeat(100_000))]], json(booking)),
    431,
  );
  bookRaw(
    'HTTP/1.1 without Host',
    requestBytes('POST', `${base}/Appointment`, envelopeHeaders('create:appointment-1'), json(booking), {
      host: null,
    }),
  );
  bookRaw(
    'a Host of 10,000 characters',
    requestBytes('POST', `${base}/Appointment`, envelopeHeaders('create:appointment-1'), json(booking), {
      host: 'h'.repeat(10_000),
    }),
  );
  bookRaw(
    'a Host with a path',
    requestBytes('POST', `${base}/Appointment`, envelopeHeaders('create:appointment-1'), json(booking), {
      host: 'evil.example/x?y#z',
    }),
  );
  bookRaw(
    'HTTP/1.0 without Host',
    requestBytes('POST', `${base}/Appointment`, envelopeHeaders('create:appointment-1'), json(booking), {
      host: null,
      version: 'HTTP/1.0',
    }),
  );

  // References: absolute, traversing, odd.
  const references = [
    'https://evil.example/Slot/s1-202606020900',
    'http://127.0.0.1/Slot/s1-202606020900',
    'Slot/../Patient/1',
    'Slot/%2e%2e/Patient/1',
    '../../../../etc/passwd',
    'Slot/s1-202606020900/_history/1',
    'file:///etc/passwd',
    '#1',
    'urn:uuid:6b7cbf0e-8a8e-4c21-9d3a-1ad1f7cbd3a1',
    'Slot/',
    'Slot//s1-202606020900',
    'Slot/s1-202606020900?x=1',
    'Slot/s1-202606020900#frag',
    'Slot/s1-202606020900\u0000',
    'SLOT/s1-202606020900',
    ' Slot/s1-202606020900',
    'Slot/s1-202606020900\n',
    'Slot\\s1-202606020900',
    'javascript:alert(1)',
    'Slot/__proto__',
    'Slot/constructor',
  ];
  for (const ref of references) {
    book(
      `slot reference ${JSON.stringify(ref)}`,
      withBody((b) => ((b['slot'] as Array<Record<string, unknown>>)[0]!['reference'] = ref)),
    );
  }
  for (const ref of [
    'https://evil.example/Patient/1',
    'Patient/../Slot/s1',
    'Patient/1/../2',
    'Patient/__proto__',
    'Patient/crash/../1',
    'Patient/%31',
  ]) {
    book(
      `patient reference ${JSON.stringify(ref)}`,
      withBody((b) => {
        const p = (b['participant'] as Array<Record<string, Record<string, unknown>>>)[0]!;
        p['actor']!['reference'] = ref;
      }),
    );
  }

  // Paths around POST /Appointment.
  for (const path of [
    '/Appointment/',
    '/appointment',
    '/Appointment/../Appointment',
    '/%41ppointment',
    '/Appointment%00',
    '//Appointment',
    '/Appointment;jsessionid=1',
    '/Appointment?_format=application/fhir+xml',
    '/Appointment?_format=text/html',
    `/Appointment?${Array.from({ length: 3000 }, (_, i) => `p${i}=${i}`).join('&')}`,
    '/Appointment/%2e%2e/Appointment',
    '/Appointment/_search',
  ]) {
    bookRaw(
      `path ${path.slice(0, 60)}`,
      requestBytes(
        'POST',
        `${base}${path}`,
        [...envelopeHeaders('create:appointment-1'), ['Content-Type', FHIR_JSON_TYPE]],
        json(booking),
      ),
    );
  }

  // GET /Slot with hostile queries.
  const slotQueries = [
    '',
    'status=free',
    'start=garbage&end=garbage&status=free&_include=Slot:schedule',
    `start=ge${'2'.repeat(5000)}&end=le2026-06-02&status=free&_include=Slot:schedule`,
    `${Array.from({ length: 500 }, () => 'start=ge2026-06-02').join('&')}&end=le2026-06-02&status=free&_include=Slot:schedule`,
    'start=ge2026-06-02&end=le2027-06-02&status=free&_include=Slot:schedule',
    'start=ge2026-06-05&end=le2026-06-02&status=free&_include=Slot:schedule',
    'start=ge2026-02-30&end=le2026-03-02&status=free&_include=Slot:schedule',
    'start=ge%zz&end=le%00&status=free&_include=Slot:schedule',
    'start[]=ge2026-06-02&end[]=le2026-06-02&status=free&_include=Slot:schedule',
    '__proto__=x&constructor=1&hasOwnProperty=1&toString=2',
    'start=ge2026-06-02&end=le2026-06-02&status=busy&_include=Slot:schedule',
    'start=ge2026-06-02&end=le2026-06-02&status=free&_include=Slot:schedule&searchFilter=%7C%7C%7C',
    'start=ge2026-06-02T09:00:00&end=le2026-06-02T10:00:00&status=free&_include=Slot:schedule',
    'start=ge2026-06-02&end=le2026-06-02&status=free&_include=Slot:schedule&_format=image/png',
    'start=ge-271821-04-20&end=le275760-09-13&status=free&_include=Slot:schedule',
  ];
  for (const [i, query] of slotQueries.entries()) {
    cases.push({
      name: `GET /Slot #${i}: ?${query.slice(0, 60)}`,
      target: 'GET /Slot',
      bytes: requestBytes('GET', `${base}/Slot?${query}`, envelopeHeaders('search:slot-1')),
    });
  }

  // GET /Patient?identifier=... with hostile values.
  const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
  const identifiers = [
    '',
    'identifier=',
    'identifier=9990000018',
    'identifier=%7C',
    `identifier=${encodeURIComponent(`${NHS}|`)}`,
    `identifier=${encodeURIComponent(`${NHS}|9990000019`)}`,
    `identifier=${encodeURIComponent(`${NHS}|99900000181`)}`,
    `identifier=${encodeURIComponent(`${NHS}|abcdefghij`)}`,
    `identifier=${encodeURIComponent(`${NHS}|${'9'.repeat(5000)}`)}`,
    `identifier=${encodeURIComponent(`${NHS}|9990000018`)}&identifier=${encodeURIComponent(`${NHS}|9990000026`)}`,
    `identifier=${encodeURIComponent('https://evil.example/id|9990000018')}`,
    `identifier:exact=${encodeURIComponent(`${NHS}|9990000018`)}`,
    `Identifier=${encodeURIComponent(`${NHS}|9990000018`)}`,
    `__proto__=${encodeURIComponent(`${NHS}|9990000018`)}`,
    `identifier=${encodeURIComponent(`${NHS}|999 000 0018`)}%00`,
    'identifier=%E0%A4%A',
  ];
  for (const [i, query] of identifiers.entries()) {
    cases.push({
      name: `GET /Patient #${i}: ?${query.slice(0, 60)}`,
      target: 'GET /Patient',
      bytes: requestBytes('GET', `${base}/Patient?${query}`, envelopeHeaders('search:patient-1')),
    });
  }

  // PUT /Appointment/{id} with hostile bodies.
  const appointment = options.appointment;
  const id = String(appointment['id']);
  const put = (
    name: string,
    body: Buffer,
    headers: Array<[string, string]> = [],
    interaction = 'update:appointment-1',
  ) =>
    cases.push({
      name: `PUT /Appointment/${id}: ${name}`,
      target: 'PUT /Appointment/{id}',
      bytes: requestBytes(
        'PUT',
        `${base}/Appointment/${id}`,
        [...envelopeHeaders(interaction), ['Content-Type', FHIR_JSON_TYPE], ...headers],
        body,
      ),
    });
  const amended = (mutate: (body: Record<string, unknown>) => void) => {
    const body = clone(appointment);
    mutate(body);
    return json(body);
  };
  const noId = amended((b) => delete b['id']).toString();
  put('no id', Buffer.from(noId));
  put('id only under __proto__', Buffer.from(noId.replace('{', `{"__proto__":{"id":"${id}"},`)));
  put(
    'id of another appointment',
    amended((b) => (b['id'] = `${id}0`)),
  );
  put(
    'id as a number',
    amended((b) => (b['id'] = Number(id))),
  );
  put('a body that is an array', Buffer.from(`[${JSON.stringify(appointment)}]`));
  put('a body that is null', Buffer.from('null'));
  put('truncated', Buffer.from(JSON.stringify(appointment).slice(0, 40)));
  put('20,000 nested arrays', Buffer.from(`${'['.repeat(deep)}${']'.repeat(deep)}`));
  put('a stale If-Match', json(appointment), [['If-Match', 'W/"999"']]);
  put(
    'an If-Match that is garbage',
    amended((b) => (b['status'] = 42)),
    [['If-Match', '\xff"']],
  );
  put(
    'status as a number',
    amended((b) => (b['status'] = 42)),
  );
  put(
    'status unknown',
    amended((b) => (b['status'] = 'exploded')),
  );
  put(
    'slot moved to another slot',
    amended((b) => (b['slot'] = [{ reference: 'Slot/s1-202606021700' }])),
  );
  put(
    'participant removed',
    amended((b) => delete b['participant']),
  );
  put(
    'start as an object',
    amended((b) => (b['start'] = { value: 1 })),
  );
  put(
    'resourceType Patient',
    amended((b) => (b['resourceType'] = 'Patient')),
  );
  put(
    'cancel without a reason... of the wrong type',
    amended((b) => {
      b['status'] = 'cancelled';
      b['extension'] = 'not an array';
    }),
    [],
    'cancel:appointment-1',
  );
  put(
    'a 6 MB body',
    amended((b) => (b['comment'] = 'c'.repeat(6 * MB))),
  );

  // Requests Node's parser refuses before Express: the clientError handler answers.
  const parser = (name: string, text: string, status = 400) =>
    cases.push({ name: `parser: ${name}`, target: 'parser', bytes: Buffer.from(text, 'latin1'), status });
  const env = envelopeHeaders('create:appointment-1')
    .map(([n, v]) => `${n}: ${v}\r\n`)
    .join('');
  const post = `POST ${base}/Appointment HTTP/1.1\r\nHost: 127.0.0.1\r\n${env}Content-Type: application/fhir+json\r\n`;
  parser('a bare CR in a header value', `${post}X-A: a\rInjected: b\r\nContent-Length: 2\r\n\r\n{}`);
  parser('a NUL in a header value', `${post}X-A: a\x00b\r\nContent-Length: 2\r\n\r\n{}`);
  parser('a space in a header name', `${post}X A: b\r\nContent-Length: 2\r\n\r\n{}`);
  parser('a space before the colon', `${post}X-A : b\r\nContent-Length: 2\r\n\r\n{}`);
  parser('an obs-fold continuation line', `${post}X-A: a\r\n b\r\nContent-Length: 2\r\n\r\n{}`);
  parser('two different Content-Lengths', `${post}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}x`);
  parser(
    'Content-Length and Transfer-Encoding',
    `${post}Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`,
  );
  parser('a chunk size that is not hex', `${post}Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`);
  parser(
    'Transfer-Encoding: chunked, identity',
    `${post}Transfer-Encoding: chunked, identity\r\n\r\n2\r\n{}\r\n0\r\n\r\n`,
  );
  parser('a negative Content-Length', `${post}Content-Length: -2\r\n\r\n{}`);
  parser('a Content-Length with letters', `${post}Content-Length: 2x\r\n\r\n{}`);
  parser('HTTP/9.9', `GET ${base}/metadata HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n`);
  parser('HTTP/0.9 request line', `GET ${base}/metadata\r\n\r\n`);
  parser('an unknown method token', `BREW ${base}/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  parser('a lower-case method', `post ${base}/Appointment HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  parser('a space in the target', `GET ${base}/meta data HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  parser('a control character in the target', `GET ${base}/metadata\x01 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  parser('CONNECT', 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n');
  parser('binary before the request line', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03');
  parser(
    '20 KB of headers',
    `GET ${base}/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
    431,
  );
  parser(
    'a 20 KB request target',
    `GET ${base}/metadata?${'q'.repeat(20_000)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
    431,
  );
  parser(
    '2,000 headers',
    `GET ${base}/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\n${'X-H: 1234567\r\n'.repeat(2000)}\r\n`,
    431,
  );

  return cases;
}
