import { afterEach, describe, expect, it } from 'vitest';
import { entries, expectOutcome, fhirBody } from '../helpers/outcome.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

const ODS = 'https://fhir.nhs.uk/Id/ods-organization-code';
const PROFILES = ['careconnect', 'gpconnect-1.2.7'] as const;

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

const find = (sb: TestSandbox, query: string) =>
  sb.http.get(`/Organization?${query}`).set(envelope('search:organization-1'));
const id = (system: string, value: string) => `identifier=${encodeURIComponent(`${system}|${value}`)}`;

describe.each(PROFILES)('find and read an organisation (%s)', (profile) => {
  it.each([
    ['the practice by ODS code', id(ODS, 'Y75110'), ['o1']],
    [
      'the practice by the legacy DSTU2 ODS system',
      id('http://fhir.nhs.net/Id/ods-organization-code', 'Y75110'),
      ['o1'],
    ],
    ['the urgent treatment centre', id(ODS, 'E55061'), ['o2']],
    ['nobody for an unknown ODS code', id(ODS, 'A99999'), []],
  ])('finds %s', async (_title, query, ids) => {
    sandbox = testSandbox({ profile });
    const res = await find(sandbox, query);
    expect(res.status).toBe(200);
    const found = entries(res);
    expect(found.map((o) => o.id)).toEqual(ids);
    for (const o of found) {
      expect(o.meta.profile).toEqual([
        'https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Organization-1',
      ]);
      expect(o.identifier[0].system).toBe(ODS);
    }
  });

  it.each([
    ['no identifier', '', 400, 'BAD_REQUEST', /identifier is required/],
    ['two identifiers', `${id(ODS, 'Y75110')}&${id(ODS, 'E55061')}`, 400, 'BAD_REQUEST', /2 times/],
    ['a value with no system', 'identifier=Y75110', 422, 'INVALID_PARAMETER', /no system/],
    ['a blank value', id(ODS, ''), 422, 'INVALID_PARAMETER', /blank value/],
    [
      'an unknown system',
      id('https://fhir.nhs.uk/Id/nhs-number', 'Y75110'),
      400,
      'INVALID_IDENTIFIER_SYSTEM',
      /ods-organization-code/,
    ],
  ])('refuses %s', async (_title, query, status, code, diagnostics) => {
    sandbox = testSandbox({ profile });
    expect(expectOutcome(await find(sandbox, query), status, code)).toMatch(diagnostics);
  });

  it('reads an organisation by id', async () => {
    sandbox = testSandbox({ profile });
    const res = await sandbox.http.get('/Organization/o2').set(envelope('read:organization-1'));
    expect(res.status).toBe(200);
    expect(fhirBody(res)).toMatchObject({
      resourceType: 'Organization',
      id: 'o2',
      name: 'Norwich Urgent Treatment Centre',
    });
  });

  it('refuses to read an unknown organisation with 404 ORGANISATION_NOT_FOUND', async () => {
    sandbox = testSandbox({ profile });
    const res = await sandbox.http.get('/Organization/o9').set(envelope('read:organization-1'));
    expect(expectOutcome(res, 404, 'ORGANISATION_NOT_FOUND')).toContain('Organization/o9');
  });
});
