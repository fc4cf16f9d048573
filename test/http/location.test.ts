import { afterEach, describe, expect, it } from 'vitest';
import { expectOutcome, fhirBody } from '../helpers/outcome.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

const PROFILES = ['careconnect', 'gpconnect-1.2.7'] as const;

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

describe.each(PROFILES)('read a location (%s)', (profile) => {
  it('reads a location with its managing organisation', async () => {
    sandbox = testSandbox({ profile });
    const res = await sandbox.http.get('/Location/l2').set(envelope('read:location-1'));
    expect(res.status).toBe(200);
    expect(fhirBody(res)).toMatchObject({
      resourceType: 'Location',
      id: 'l2',
      meta: { profile: ['https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Location-1'] },
      managingOrganization: { reference: 'Organization/o1' },
    });
  });

  it('refuses an unknown location with 404 NO_RECORD_FOUND', async () => {
    sandbox = testSandbox({ profile });
    const res = await sandbox.http.get('/Location/l99').set(envelope('read:location-1'));
    expect(expectOutcome(res, 404, 'NO_RECORD_FOUND')).toContain('Location/l99');
  });

  it('refuses a read-practitioner interaction id on a location read with 400 BAD_REQUEST', async () => {
    sandbox = testSandbox({ profile });
    const res = await sandbox.http.get('/Location/l1').set(envelope('read:practitioner-1'));
    expectOutcome(res, 400, 'BAD_REQUEST');
  });
});
