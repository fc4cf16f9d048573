import { afterEach, describe, expect, it } from 'vitest';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

const FHIR_JSON = 'application/fhir+json;charset=utf-8';
const SPINE = 'https://fhir.nhs.uk/STU3/CodeSystem/Spine-ErrorOrWarningCode-1';

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

function expectOutcome(body: Record<string, unknown>, code: string) {
  expect(body['resourceType']).toBe('OperationOutcome');
  expect(body['meta']).toEqual({
    profile: ['https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-OperationOutcome-1'],
  });
  const issues = body['issue'] as Array<{
    severity: string;
    details: { coding: Array<{ system: string; code: string; display: string }> };
    diagnostics: string;
  }>;
  expect(issues).toHaveLength(1);
  expect(issues[0]!.severity).toBe('error');
  expect(issues[0]!.details.coding).toHaveLength(1);
  expect(issues[0]!.details.coding[0]!.system).toBe(SPINE);
  expect(issues[0]!.details.coding[0]!.code).toBe(code);
  expect(issues[0]!.diagnostics.length).toBeGreaterThan(10);
  return issues[0]!.diagnostics;
}

describe('the foundation', () => {
  it('serves a CapabilityStatement for the default profile with exact FHIR headers', async () => {
    sandbox = testSandbox();
    const res = await sandbox.http.get('/metadata').set(envelope('read:metadata-1'));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(FHIR_JSON);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = JSON.parse(res.text);
    expect(body.resourceType).toBe('CapabilityStatement');
    expect(body.version).toBe('careconnect');
    expect(body.fhirVersion).toBe('3.0.1');
  });

  it('follows the profile in the CapabilityStatement', async () => {
    sandbox = testSandbox({ profile: 'gpconnect-1.2.7' });
    const res = await sandbox.http.get('/metadata').set(envelope('read:metadata-1'));
    const body = JSON.parse(res.text);
    expect(body.version).toBe('1.2.7');
    expect(body.profile.map((p: { reference: string }) => p.reference)).toContain(
      'https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-Appointment-1',
    );
  });

  it('answers health and state on the admin surface in plain JSON', async () => {
    sandbox = testSandbox();
    const health = await sandbox.http.get('/_admin/health');
    expect(health.body).toEqual({ status: 'ok' });
    const state = await sandbox.http.get('/_admin/state');
    expect(state.status).toBe(200);
    expect(state.headers['content-type']).toMatch(/^application\/json/);
    const { counts } = state.body;
    expect(counts.patients).toBeGreaterThanOrEqual(20);
    expect(counts.freeSlots).toBeGreaterThanOrEqual(300);
    expect(counts.appointments).toBe(0);
    for (const key of [
      'patients',
      'practitioners',
      'locations',
      'organizations',
      'schedules',
      'slots',
      'appointments',
    ]) {
      expect(Array.isArray(state.body[key]), key).toBe(true);
    }
    expect(state.body.slots[0].resourceType).toBe('Slot');
    expect(state.body.practitioners.length).toBeGreaterThanOrEqual(3);
    expect(state.body.locations.length).toBeGreaterThanOrEqual(2);
  });

  // issue 14 item 9: a path that does not fit the Ssp-InteractionID sent is 400 BAD_REQUEST (was 404);
  // a path that fits no interaction, sent with none, is still 404 listing what is served.
  it.each([
    ['an unknown path', 'GET', '/Nothing', 400, 'BAD_REQUEST', true],
    ['a wrongly cased path', 'GET', '/Metadata', 400, 'BAD_REQUEST', true],
    ['a trailing slash', 'GET', '/metadata/', 400, 'BAD_REQUEST', true],
    ['an unknown path without Ssp-InteractionID', 'GET', '/Nothing', 404, 'NO_RECORD_FOUND', false],
    ['a known path with the wrong method', 'DELETE', '/metadata', 400, 'BAD_REQUEST', true],
  ])('refuses %s with an OperationOutcome', async (_name, method, path, status, code, withInteraction) => {
    sandbox = testSandbox();
    const { 'Ssp-InteractionID': interaction, ...rest } = envelope('read:metadata-1');
    const res = await sandbox.http[method.toLowerCase() as 'get'](path).set(
      withInteraction ? { ...rest, 'Ssp-InteractionID': interaction! } : rest,
    );
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toBe(FHIR_JSON);
    expect(res.headers['cache-control']).toBe('no-store');
    const diagnostics = expectOutcome(JSON.parse(res.text), code);
    if (status === 404) expect(diagnostics).toContain('POST /Appointment');
  });

  it('refuses unparseable JSON with 400 BAD_REQUEST', async () => {
    sandbox = testSandbox();
    const res = await sandbox.http
      .post('/Appointment')
      .set(envelope('create:appointment-1'))
      .set('Content-Type', 'application/fhir+json')
      .send('{"resourceType": "Appointment",');
    expect(res.status).toBe(400);
    expect(expectOutcome(JSON.parse(res.text), 'BAD_REQUEST')).toMatch(/not valid JSON/);
  });

  it('refuses a body over 1 MB with 413 and BAD_REQUEST coding', async () => {
    sandbox = testSandbox();
    const res = await sandbox.http
      .post('/Appointment')
      .set(envelope('create:appointment-1'))
      .set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify({ resourceType: 'Appointment', comment: 'x'.repeat(1_100_000) }));
    expect(res.status).toBe(413);
    expectOutcome(JSON.parse(res.text), 'BAD_REQUEST');
  });

  it('resets to the seed', async () => {
    sandbox = testSandbox();
    const res = await sandbox.http.post('/_admin/reset');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('reset');
  });
});
