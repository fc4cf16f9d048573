import { afterEach, describe, expect, it } from 'vitest';
import type { Patient } from '../../src/domain/model.js';
import { entries, expectOutcome, fhirBody } from '../helpers/outcome.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const PROFILES = ['careconnect', 'gpconnect-1.2.7'] as const;

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

function find(sb: TestSandbox, query: string) {
  return sb.http.get(`/Patient?${query}`).set(envelope('search:patient-1'));
}

const id = (nhs: string) => `identifier=${encodeURIComponent(`${NHS}|${nhs}`)}`;

describe.each(PROFILES)('find a patient (%s)', (profile) => {
  it.each([
    ['a seeded patient by NHS number', id('9996323056'), ['1']],
    ['a magic patient like any other', id('9990000018'), ['dupe']],
    ['nobody for a valid but unknown number (an empty searchset, not 404)', id('9999999999'), []],
    ['nobody for a deceased patient', id('9990000050'), []],
    ['nobody for a sensitive patient', id('9990000069'), []],
    ['nobody for an inactive patient', id('9990000077'), []],
    ['a patient, ignoring _count and _sort', `${id('9996323056')}&_count=1&_sort=name`, ['1']],
    ['a patient with an unencoded | in the query', `identifier=${NHS}|9996323056`, ['1']],
  ])('returns %s', async (_title, query, ids) => {
    sandbox = testSandbox({ profile });
    const res = await find(sandbox, query);
    expect(res.status).toBe(200);
    expect(res.headers['etag']).toBeUndefined();
    const patients = entries(res);
    expect(patients.map((p) => p.id)).toEqual(ids);
    expect(fhirBody(res).total).toBe(ids.length);
    for (const p of patients) {
      expect(p.resourceType).toBe('Patient');
      expect(p.meta.profile).toEqual([
        'https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Patient-1',
      ]);
      expect(p.meta.versionId).toBeDefined();
      expect(p.identifier).toContainEqual({
        system: NHS,
        value: query.includes('9996323056') ? '9996323056' : '9990000018',
      });
      expect(p.name[0].use).toBe('official');
    }
  });

  it.each([
    ['no identifier', '_count=1', 400, 'BAD_REQUEST', /identifier is required/],
    [
      'a wrongly cased parameter name',
      `I${id('9996323056').slice(1)}`,
      400,
      'BAD_REQUEST',
      /"Identifier".*case-sensitive/,
    ],
    [
      'two identifiers',
      `${id('9996323056')}&${id('9996335291')}`,
      400,
      'BAD_REQUEST',
      /identifier was sent 2 times/,
    ],
    [
      'a value with no system',
      'identifier=9996323056',
      422,
      'INVALID_PARAMETER',
      /identifier "9996323056" has no system/,
    ],
    ['an empty identifier', 'identifier=', 422, 'INVALID_PARAMETER', /identifier is empty/],
    [
      'a blank system',
      `identifier=${encodeURIComponent('|9996323056')}`,
      422,
      'INVALID_PARAMETER',
      /blank system/,
    ],
    ['a blank value', `identifier=${encodeURIComponent(`${NHS}|`)}`, 422, 'INVALID_PARAMETER', /blank value/],
    [
      'an unknown identifier system',
      `identifier=${encodeURIComponent('https://fhir.nhs.uk/Id/local|9996323056')}`,
      400,
      'INVALID_IDENTIFIER_SYSTEM',
      /identifier system "https:\/\/fhir.nhs.uk\/Id\/local".*https:\/\/fhir.nhs.uk\/Id\/nhs-number/,
    ],
    [
      'an NHS number failing the check digit',
      id('9996323057'),
      400,
      'INVALID_NHS_NUMBER',
      /modulus-11.*should be 6/,
    ],
    ['an NHS number of the wrong length', id('999999999'), 400, 'INVALID_NHS_NUMBER', /9 characters/],
    ['an NHS number with letters', id('hello12345'), 400, 'INVALID_NHS_NUMBER', /other than digits/],
    [
      'an NHS number with no valid check digit',
      id('9991234560'),
      400,
      'INVALID_NHS_NUMBER',
      /check digit would be 10/,
    ],
  ])('refuses %s', async (_title, query, status, code, diagnostics) => {
    sandbox = testSandbox({ profile });
    expect(expectOutcome(await find(sandbox, query), status, code)).toMatch(diagnostics);
  });

  it('finds and reads a patient added as a fixture at run time', async () => {
    sandbox = testSandbox({ profile });
    const fixture: Patient = {
      ...sandbox.core.seed.patients[0]!,
      id: 'fixture-1',
      nhsNumber: '9990000085',
    };
    sandbox.core.defaultWorld.state.fixturePatients.set(fixture.id, fixture);
    expect(entries(await find(sandbox, id('9990000085'))).map((p) => p.id)).toEqual(['fixture-1']);
    const read = await sandbox.http.get('/Patient/fixture-1').set(envelope('read:patient-1'));
    expect(read.status).toBe(200);
    expect(fhirBody(read).identifier[0].value).toBe('9990000085');
  });

  it('reads a patient by id', async () => {
    sandbox = testSandbox({ profile });
    const res = await sandbox.http.get('/Patient/1').set(envelope('read:patient-1'));
    expect(res.status).toBe(200);
    const patient = fhirBody(res);
    expect(patient).toMatchObject({
      resourceType: 'Patient',
      id: '1',
      gender: 'male',
      birthDate: '1981-09-07',
    });
    expect(patient.managingOrganization).toEqual({ reference: 'Organization/o1' });
  });

  it('refuses to read an unknown patient with 404 PATIENT_NOT_FOUND', async () => {
    sandbox = testSandbox({ profile });
    const res = await sandbox.http.get('/Patient/nobody').set(envelope('read:patient-1'));
    expect(expectOutcome(res, 404, 'PATIENT_NOT_FOUND')).toContain('Patient/nobody');
  });
});
