// issue 14 item 8: CORS on the FHIR surface (the `cors` package): preflights answered 204 without
// an envelope, the allowed and exposed headers, on by default, `cors: false` (--cors off) stops it,
// never on /_admin.
import { afterEach, describe, expect, it } from 'vitest';
import type { ProfileName } from '../helpers/appointments.js';
import { bookS1 } from '../helpers/appointments.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

const PROFILES: ProfileName[] = ['careconnect', 'gpconnect-1.2.7'];
const ORIGIN = 'http://localhost:5173';
const BASE = '/A20047/STU3/1/gpconnect';
const ALLOWED = [
  'Authorization',
  'Content-Type',
  'Accept',
  'If-Match',
  'Prefer',
  'Ssp-TraceID',
  'Ssp-From',
  'Ssp-To',
  'Ssp-InteractionID',
  'X-Sandbox-Session',
  'X-Sandbox-Fault',
];

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

const preflight = (
  sb: TestSandbox,
  path: string,
  method: string,
  headers = 'authorization,content-type,ssp-traceid,ssp-interactionid,if-match',
) =>
  sb.http
    .options(path)
    .set('Origin', ORIGIN)
    .set('Access-Control-Request-Method', method)
    .set('Access-Control-Request-Headers', headers);

const list = (value: string | undefined) => (value ?? '').split(',').map((v) => v.trim().toLowerCase());

describe.each(PROFILES)('CORS (%s)', (profile) => {
  // biome-ignore format: one row per preflight
  it.each([
    ['/metadata', 'GET', ['GET']],
    ['/Appointment', 'POST', ['POST']],
    ['/Appointment/1', 'PUT', ['GET', 'PUT']],
    ['/Appointment/1/_history/1', 'GET', ['GET']],
    ['/Slot', 'GET', ['GET']],
    ['/Patient/1/Appointment', 'GET', ['GET']],
    [`${BASE}/Appointment/1`, 'PUT', ['GET', 'PUT']],
    [`/ssp.example.nhs.uk/https://provider.example.nhs.uk${BASE}/Appointment`, 'POST', ['POST']],
  ])('answers a preflight for %s with 204, no envelope, the methods served there and the allowed headers', async (path, method, methods) => {
    sandbox = testSandbox({ profile, basePath: path.includes(BASE) ? BASE : '' });
    const res = await preflight(sandbox, path, method);
    expect(res.status).toBe(204);
    expect(res.text ?? '').toBe('');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(list(res.headers['access-control-allow-methods']).sort()).toEqual(methods.map((m) => m.toLowerCase()).sort());
    expect(list(res.headers['access-control-allow-headers'])).toEqual(expect.arrayContaining(ALLOWED.map((h) => h.toLowerCase())));
    expect(list(res.headers['access-control-expose-headers'])).toEqual(['location', 'etag', 'last-modified', 'x-sandbox-warning']);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(sandbox.core.defaultWorld.journal.list()).toEqual([]);
  });

  it('answers no preflight for a path no interaction serves: the FHIR error, no CORS grant', async () => {
    sandbox = testSandbox({ profile });
    const res = await preflight(sandbox, '/Foo', 'GET');
    expect(res.status).toBe(404);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('allows any other Ssp-* or X-Sandbox-* header a preflight asks for, and no others', async () => {
    sandbox = testSandbox({ profile });
    const res = await preflight(
      sandbox,
      '/Appointment',
      'POST',
      'ssp-something-new, x-sandbox-debug, x-evil',
    );
    const allowed = list(res.headers['access-control-allow-headers']);
    expect(allowed).toEqual(expect.arrayContaining(['ssp-something-new', 'x-sandbox-debug']));
    expect(allowed).not.toContain('x-evil');
  });

  it('never grants X-Admin-Token: a web page must not guess tokens (and lock the admin API) through FHIR paths', async () => {
    sandbox = testSandbox({ profile });
    const res = await preflight(sandbox, '/metadata', 'GET', 'x-admin-token, x-sandbox-fault');
    expect(res.status).toBe(204);
    const allowed = list(res.headers['access-control-allow-headers']);
    expect(allowed).toContain('x-sandbox-fault');
    expect(allowed).not.toContain('x-admin-token');
  });

  it('puts Access-Control-Allow-Origin and the exposed headers on answers, errors included', async () => {
    sandbox = testSandbox({ profile });
    const booked = await sandbox.http.get('/metadata').set(envelope('read:metadata-1')).set('Origin', ORIGIN);
    expect(booked.status).toBe(200);
    expect(booked.headers['access-control-allow-origin']).toBe('*');
    expect(list(booked.headers['access-control-expose-headers'])).toContain('etag');
    const refused = await sandbox.http
      .get('/Appointment/77')
      .set(envelope('read:appointment-1'))
      .set('Origin', ORIGIN);
    expect(refused.status).toBe(404);
    expect(refused.headers['access-control-allow-origin']).toBe('*');
  });

  it('lets a browser read Location and ETag of a booking', async () => {
    sandbox = testSandbox({ profile });
    await bookS1(sandbox, profile);
    const read = await sandbox.http
      .get('/Appointment/1')
      .set(envelope('read:appointment-1'))
      .set('Origin', ORIGIN);
    expect(read.headers['etag']).toBe('W/"1"');
    expect(list(read.headers['access-control-expose-headers'])).toEqual(
      expect.arrayContaining(['location', 'etag']),
    );
  });

  it('says security.cors true in the CapabilityStatement', async () => {
    sandbox = testSandbox({ profile });
    const res = await sandbox.http.get('/metadata').set(envelope('read:metadata-1'));
    expect(JSON.parse(res.text).rest[0].security.cors).toBe(true);
  });

  it('leaves a bare OPTIONS (no Access-Control-Request-Method) to the FHIR surface: 400 BAD_REQUEST', async () => {
    sandbox = testSandbox({ profile });
    const res = await sandbox.http.options('/metadata').set(envelope('read:metadata-1'));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).resourceType).toBe('OperationOutcome');
  });

  it('is never on /_admin', async () => {
    sandbox = testSandbox({ profile });
    const state = await sandbox.http.get('/_admin/state').set('Origin', ORIGIN);
    expect(state.headers['access-control-allow-origin']).toBeUndefined();
    const res = await preflight(sandbox, '/_admin/reset', 'POST');
    expect(res.status).not.toBe(204);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-methods']).toBeUndefined();
  });

  describe('with cors: false (--cors off)', () => {
    it('answers no preflight and adds no CORS header', async () => {
      sandbox = testSandbox({ profile, cors: false });
      const res = await preflight(sandbox, '/Appointment', 'POST');
      expect(res.status).toBe(400);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      const read = await sandbox.http.get('/metadata').set(envelope('read:metadata-1')).set('Origin', ORIGIN);
      expect(read.status).toBe(200);
      expect(read.headers['access-control-allow-origin']).toBeUndefined();
      expect(JSON.parse(read.text).rest[0].security.cors).toBe(false);
    });
  });
});

describe('the cors option', () => {
  it('refuses a value that is not a boolean, naming it', () => {
    expect(() => testSandbox({ cors: 'off' as unknown as boolean })).toThrow(/cors must be true or false/);
  });
});
