import { describe, expect, it } from 'vitest';
import { PROFILES } from '../profiles/index.js';
import { capabilityStatement } from './capability.js';

type Resource = {
  type: string;
  interaction: Array<{ code: string }>;
  searchParam?: Array<{ name: string; type: string }>;
  searchInclude?: string[];
  updateCreate?: boolean;
};

describe('the CapabilityStatement (digest §1.2, the 1.2.7 template)', () => {
  const statement = capabilityStatement(
    PROFILES['gpconnect-1.2.7'],
    { name: 'gpconnect-sandbox', version: '0.1.0' },
    '2026-11-25',
    { cors: true },
  );
  const rest = (statement['rest'] as Array<{ mode: string; resource: Resource[] }>)[0]!;
  const resource = (type: string) => rest.resource.find((r) => r.type === type)!;
  const codes = (type: string) => resource(type).interaction.map((i) => i.code);

  it('states the version, FHIR version and formats', () => {
    expect(statement).toMatchObject({
      resourceType: 'CapabilityStatement',
      version: '1.2.7',
      kind: 'capability',
      fhirVersion: '3.0.1',
      acceptUnknown: 'both',
      format: ['application/fhir+json', 'application/fhir+xml'],
    });
    expect(rest.mode).toBe('server');
  });

  it.each([
    ['Patient', ['read', 'search-type'], ['identifier']],
    ['Organization', ['read', 'search-type'], ['identifier']],
    ['Practitioner', ['read', 'search-type'], ['identifier']],
    ['Location', ['read'], []],
    // issue 14: no search-type with start (GET /Appointment?start= is not served); vread is.
    ['Appointment', ['read', 'vread', 'create', 'update'], []],
    ['Slot', ['search-type'], ['start', 'end', 'status', 'searchFilter']],
  ])('lists %s with its interactions and search parameters', (type, interactions, params) => {
    expect(codes(type)).toEqual(interactions);
    expect((resource(type).searchParam ?? []).map((p) => p.name)).toEqual(params);
  });

  it('lists the slot search includes and refuses update-as-create', () => {
    expect(resource('Slot').searchInclude).toEqual([
      'Schedule:actor:Location',
      'Schedule:actor:Practitioner',
      'Slot:schedule',
      'Location:managingOrganization',
    ]);
    expect(resource('Appointment').updateCreate).toBe(false);
  });

  it("names each profile's Appointment profile", () => {
    const careconnect = capabilityStatement(PROFILES.careconnect, { name: 'x', version: '1' }, '2026-11-25', {
      cors: true,
    });
    expect(careconnect['version']).toBe('careconnect');
    expect(JSON.stringify(careconnect['profile'])).toContain('CareConnect-Appointment-1');
    expect(JSON.stringify(statement['profile'])).toContain('GPConnect-Appointment-1');
  });

  it('lists the retrieve as a search in the Patient compartment, not a search-type on Appointment', () => {
    expect((statement['rest'] as Array<{ compartment?: string[] }>)[0]!.compartment).toEqual([
      'http://hl7.org/fhir/CompartmentDefinition/patient',
    ]);
    expect(JSON.stringify(resource('Appointment'))).toContain('GET /Patient/{id}/Appointment');
  });

  it.each([true, false])('says security.cors %s exactly when CORS is served', (cors) => {
    const s = capabilityStatement(PROFILES.careconnect, { name: 'x', version: '1' }, '2026-11-25', { cors });
    expect((s['rest'] as Array<{ security: { cors: boolean } }>)[0]!.security.cors).toBe(cors);
  });
});
