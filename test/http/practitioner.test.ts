import { afterEach, describe, expect, it } from 'vitest';
import { entries, expectOutcome, fhirBody } from '../helpers/outcome.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

const SDS = 'https://fhir.nhs.uk/Id/sds-user-id';
const PROFILES = ['careconnect', 'gpconnect-1.2.7'] as const;

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

const find = (sb: TestSandbox, query: string) =>
  sb.http.get(`/Practitioner?${query}`).set(envelope('search:practitioner-1'));
const id = (system: string, value: string) => `identifier=${encodeURIComponent(`${system}|${value}`)}`;

describe.each(PROFILES)('find and read a practitioner (%s)', (profile) => {
  it.each([
    ['a practitioner by SDS user id', id(SDS, 'G83251809'), ['p1']],
    ['nobody for an unknown SDS user id', id(SDS, 'G00000000'), []],
  ])('finds %s', async (_title, query, ids) => {
    sandbox = testSandbox({ profile });
    const res = await find(sandbox, query);
    expect(res.status).toBe(200);
    const found = entries(res);
    expect(found.map((p) => p.id)).toEqual(ids);
    for (const p of found) {
      expect(p.meta.profile).toEqual([
        'https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Practitioner-1',
      ]);
      expect(p.identifier).toContainEqual({ system: SDS, value: 'G83251809' });
    }
  });

  it.each([
    ['no identifier', '', 400, 'BAD_REQUEST', /identifier is required/],
    [
      'a miscased parameter',
      `IDENTIFIER=${encodeURIComponent(`${SDS}|G83251809`)}`,
      400,
      'BAD_REQUEST',
      /"IDENTIFIER"/,
    ],
    ['a value with no system', 'identifier=G83251809', 422, 'INVALID_PARAMETER', /no system/],
    ['a blank system', id('', 'G83251809'), 422, 'INVALID_PARAMETER', /blank system/],
    [
      'an unknown system',
      id('https://fhir.nhs.uk/Id/sds-role-profile-id', '1'),
      400,
      'INVALID_IDENTIFIER_SYSTEM',
      /sds-user-id/,
    ],
  ])('refuses %s', async (_title, query, status, code, diagnostics) => {
    sandbox = testSandbox({ profile });
    expect(expectOutcome(await find(sandbox, query), status, code)).toMatch(diagnostics);
  });

  it('reads a practitioner by id', async () => {
    sandbox = testSandbox({ profile });
    const res = await sandbox.http.get('/Practitioner/p1').set(envelope('read:practitioner-1'));
    expect(res.status).toBe(200);
    expect(fhirBody(res)).toMatchObject({ resourceType: 'Practitioner', id: 'p1', gender: 'female' });
  });

  it('refuses to read an unknown practitioner with 404 PRACTITIONER_NOT_FOUND', async () => {
    sandbox = testSandbox({ profile });
    const res = await sandbox.http.get('/Practitioner/p99').set(envelope('read:practitioner-1'));
    expect(expectOutcome(res, 404, 'PRACTITIONER_NOT_FOUND')).toContain('Practitioner/p99');
  });
});
