import { afterEach, describe, expect, it } from 'vitest';
import { buildClaims, encodeUnsignedJwt } from '../../src/auth/build-headers.js';
import { seedExample } from '../helpers/bodies.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

const token = (overrides: Record<string, unknown>, interaction = 'create:appointment-1') =>
  `Bearer ${encodeUnsignedJwt({ ...buildClaims(interaction), ...overrides })}`;

function book(sb: TestSandbox, headers: Record<string, string | undefined>) {
  const req = sb.http.post('/Appointment').set('Content-Type', 'application/fhir+json');
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) req.set(name, value);
  return req.send(JSON.stringify(seedExample()));
}

const now = Math.floor(Date.now() / 1000);

describe('the GP Connect envelope over HTTP', () => {
  it.each([
    ['no Ssp-TraceID', { 'Ssp-TraceID': undefined }, 400, 'BAD_REQUEST', /Ssp-TraceID/],
    ['Ssp-To for another provider', { 'Ssp-To': '200000000999' }, 400, 'BAD_REQUEST', /Ssp-To/],
    [
      'a read interaction on POST /Appointment',
      { 'Ssp-InteractionID': 'urn:nhs:names:services:gpconnect:fhir:rest:read:appointment-1' },
      400,
      'BAD_REQUEST',
      /Ssp-InteractionID/,
    ],
    ['no Authorization', { Authorization: undefined }, 400, 'BAD_REQUEST', /Authorization/],
    [
      'a read scope for a write',
      { Authorization: token({ requested_scope: 'patient/*.read' }) },
      400,
      'BAD_REQUEST',
      /patient\/\*\.write/,
    ],
    [
      'exp - iat of 299 seconds',
      { Authorization: token({ iat: now, exp: now + 299 }) },
      400,
      'BAD_REQUEST',
      /300 seconds, got 299/,
    ],
    [
      'an expired token',
      { Authorization: token({ iat: now - 600, exp: now - 300 }) },
      400,
      'BAD_REQUEST',
      /expired|exp/,
    ],
    [
      'a requesting_device of the wrong resource type',
      {
        Authorization: token({
          requesting_device: {
            resourceType: 'Patient',
            identifier: [{ system: 'x', value: 'y' }],
            model: 'm',
            version: '1',
          },
        }),
      },
      422,
      'INVALID_RESOURCE',
      /requesting_device/,
    ],
  ] as Array<[string, Record<string, string | undefined>, number, string, RegExp]>)(
    'strict mode refuses %s',
    async (_title, change, status, code, diagnostics) => {
      sandbox = testSandbox();
      const res = await book(sandbox, { ...envelope('create:appointment-1'), ...change });
      expect(res.status, res.text).toBe(status);
      const outcome = JSON.parse(res.text);
      expect(outcome.issue[0].details.coding[0].code).toBe(code);
      expect(outcome.issue[0].diagnostics).toMatch(diagnostics);
      expect(sandbox.core.defaultWorld.state.appointments.size).toBe(0);
      const [entry] = sandbox.core.defaultWorld.journal.list(1);
      expect(entry!.problems.join(' ')).toContain(outcome.issue[0].diagnostics);
    },
  );

  it('accepts an iat in the future', async () => {
    sandbox = testSandbox();
    const res = await book(sandbox, {
      ...envelope('create:appointment-1'),
      Authorization: token({ iat: now + 200, exp: now + 500 }),
    });
    expect(res.status).toBe(201);
  });

  it('lenient mode serves the request and lists every problem in X-Sandbox-Warning and the journal', async () => {
    sandbox = testSandbox({ auth: 'lenient' });
    const res = await book(sandbox, {
      ...envelope('create:appointment-1'),
      'Ssp-To': '200000000999',
      Authorization: token({ requested_scope: 'patient/*.read' }),
    });
    expect(res.status).toBe(201);
    const warning = res.headers['x-sandbox-warning'] as string;
    expect(warning).toMatch(/Ssp-To/);
    expect(warning).toMatch(/requested_scope/);
    const [entry] = sandbox.core.defaultWorld.journal.list(1);
    expect(entry!.problems.length).toBeGreaterThanOrEqual(2);
  });

  it('off mode checks nothing', async () => {
    sandbox = testSandbox({ auth: 'off' });
    const res = await book(sandbox, {});
    expect(res.status).toBe(201);
    expect(res.headers['x-sandbox-warning']).toBeUndefined();
  });

  it('never puts the admin surface behind the JWT', async () => {
    sandbox = testSandbox();
    expect((await sandbox.http.get('/_admin/state')).status).toBe(200);
  });

  it('tells amend from cancel by Ssp-InteractionID alone on PUT /Appointment/{id}', async () => {
    sandbox = testSandbox();
    const res = await sandbox.http
      .put('/Appointment/1')
      .set(envelope('create:appointment-1'))
      .set('Content-Type', 'application/fhir+json')
      .send('{}');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).issue[0].diagnostics).toMatch(/update:appointment-1|cancel:appointment-1/);
  });
});
