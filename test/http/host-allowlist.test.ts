import { afterEach, describe, expect, it } from 'vitest';
import { hostName } from '../../src/http/host-allowlist.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

/** Issue 13 item 2: a web page that rebinds its name to 127.0.0.1 must not steer the sandbox. */

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

const FOREIGN = ['evil.example:4000', 'evil.example', 'localhost.evil.example', '127.0.0.1.nip.io:4000', 'x'];
const LOOPBACK = [
  '127.0.0.1:4000',
  '127.9.9.9',
  'localhost',
  'LOCALHOST:80',
  'app.localhost:3000',
  '[::1]:4000',
  'localhost.',
];

describe('the Host allowlist', () => {
  it.each(FOREIGN)('refuses admin calls with Host %s: 403 naming Host, and nothing changes', async (host) => {
    sandbox = testSandbox();
    const booked = await sandbox.http
      .post('/Appointment')
      .set(envelope('create:appointment-1'))
      .set('Content-Type', 'application/fhir+json')
      .send(
        JSON.stringify({
          resourceType: 'Appointment',
          status: 'booked',
          slot: [{ reference: 'Slot/s1-202606020900' }],
          participant: [{ actor: { reference: 'Patient/1' }, status: 'booked' }],
        }),
      );
    expect(booked.status).toBe(201);
    const reset = await sandbox.http.post('/_admin/reset').set('Host', host).set('Origin', `http://${host}`);
    expect(reset.status).toBe(403);
    expect(reset.body).toMatchObject({ field: 'Host' });
    expect(reset.body.error).toMatch(/Host/);
    for (const path of ['/_admin/state', '/_admin/requests', '/_admin/snapshot', '/_admin/']) {
      const read = await sandbox.http.get(path).set('Host', host);
      expect(read.status, path).toBe(403);
    }
    const state = await sandbox.http.get('/_admin/state');
    expect(state.body.counts.appointments).toBe(1);
  });

  it.each(FOREIGN)('refuses FHIR calls with Host %s: a 403 OperationOutcome', async (host) => {
    sandbox = testSandbox();
    const res = await sandbox.http.get('/metadata').set(envelope('read:metadata-1')).set('Host', host);
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/application\/fhir\+json/);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].diagnostics).toMatch(/^Host /);
  });

  it.each(LOOPBACK)('serves Host %s (loopback)', async (host) => {
    sandbox = testSandbox();
    expect(
      (await sandbox.http.get('/metadata').set(envelope('read:metadata-1')).set('Host', host)).status,
    ).toBe(200);
    expect((await sandbox.http.post('/_admin/reset').set('Host', host)).status).toBe(200);
  });

  it('serves --host, the --public-url host and each --allowed-host, and nothing else', async () => {
    sandbox = testSandbox({
      host: '10.1.2.3',
      adminToken: 'a-token-of-16-chars-or-more',
      publicUrl: 'https://sandbox.example.org',
      allowedHosts: ['ci-runner', 'Demo.Example.COM'],
    });
    const token = { 'X-Admin-Token': 'a-token-of-16-chars-or-more' };
    for (const host of ['10.1.2.3:4000', 'sandbox.example.org', 'ci-runner:4000', 'demo.example.com']) {
      expect((await sandbox.http.get('/_admin/state').set(token).set('Host', host)).status, host).toBe(200);
    }
    for (const host of ['10.1.2.4:4000', 'other.example.org', 'ci-runner.evil']) {
      expect((await sandbox.http.get('/_admin/state').set(token).set('Host', host)).status, host).toBe(403);
    }
  });

  it('refuses a changing admin call whose Origin host is not allowed, even when it matches Host-like headers', async () => {
    sandbox = testSandbox();
    const res = await sandbox.http
      .post('/_admin/reset')
      .set('X-Forwarded-Host', 'evil.example')
      .set('Origin', 'http://evil.example');
    expect(res.status).toBe(403);
    expect(res.body.field).toBe('Origin');
  });

  it('reads the name out of a Host header', () => {
    expect(hostName('Example.org:80')).toBe('example.org');
    expect(hostName('[::1]:4000')).toBe('::1');
    expect(hostName('localhost.')).toBe('localhost');
    expect(hostName('evil.example/x?y#z')).toBeUndefined();
    expect(hostName('a:b:c')).toBeUndefined();
    expect(hostName('[::1]x')).toBeUndefined();
  });
});
