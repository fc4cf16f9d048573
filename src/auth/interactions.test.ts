import { describe, expect, it } from 'vitest';
import { INTERACTIONS, interactionsFor, resolveInteraction } from './interactions.js';

const URN = 'urn:nhs:names:services:gpconnect:fhir:';

describe('resolveInteraction', () => {
  it.each(INTERACTIONS.map((i) => [i.name, i]))(
    'knows %s by its URN, its name and its short name',
    (_, i) => {
      expect(resolveInteraction(i.id)).toBe(i);
      expect(resolveInteraction(i.name)).toBe(i);
      expect(resolveInteraction(i.name.replace(/^(rest|operation):/, ''))).toBe(i);
    },
  );

  it.each([
    [`${URN}rest:create:appointment-1`, 'rest:create:appointment-1'],
    ['rest:create:appointment-1', 'rest:create:appointment-1'],
    ['create:appointment-1', 'rest:create:appointment-1'],
    ['rest:search:patient_appointments-1', 'rest:search:patient_appointments-1'],
    [`${URN}operation:gpc.registerpatient-1`, 'operation:gpc.registerpatient-1'],
    ['operation:gpc.registerpatient-1', 'operation:gpc.registerpatient-1'],
  ])('resolves %s', (input, name) => {
    expect(resolveInteraction(input)?.name).toBe(name);
    expect(resolveInteraction(input)?.id).toBe(URN + name);
  });

  it.each([
    'appointment-1',
    'rest:create:appointment',
    `${URN}rest:create:Appointment-1`,
    ` ${URN}rest:create:appointment-1`,
    '',
  ])('does not resolve %j', (input) => {
    expect(resolveInteraction(input)).toBeUndefined();
  });
});

describe('interactionsFor', () => {
  it.each([
    ['GET', '/metadata', ['rest:read:metadata-1']],
    ['GET', '/Patient', ['rest:search:patient-1']],
    ['GET', '/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9000000009', ['rest:search:patient-1']],
    ['GET', '/Patient/2', ['rest:read:patient-1']],
    ['POST', '/Patient/$gpc.registerpatient', ['operation:gpc.registerpatient-1']],
    ['GET', '/Patient/2/Appointment', ['rest:search:patient_appointments-1']],
    ['GET', '/Organization', ['rest:search:organization-1']],
    ['GET', '/Organization/1', ['rest:read:organization-1']],
    ['GET', '/Practitioner', ['rest:search:practitioner-1']],
    ['GET', '/Practitioner/1', ['rest:read:practitioner-1']],
    ['GET', '/Location/1', ['rest:read:location-1']],
    ['GET', '/Slot', ['rest:search:slot-1']],
    ['POST', '/Appointment', ['rest:create:appointment-1']],
    ['GET', '/Appointment/7', ['rest:read:appointment-1']],
    ['PUT', '/Appointment/7', ['rest:update:appointment-1', 'rest:cancel:appointment-1']],
    ['GET', '/Appointment/7/_history/2', ['rest:read:appointment-1']],
    ['GET', '/Appointment/7/_history', []],
    ['GET', '/Appointment/7/_history/', []],
    ['GET', '/Metadata', []],
    ['GET', '/metadata/', []],
    ['GET', '/Appointment/', []],
    ['GET', '/Location', []],
    ['DELETE', '/Appointment/7', []],
    ['POST', '/Appointment/7', []],
  ])('%s %s is served by %j', (method, path, names) => {
    expect(interactionsFor(method, path).map((i) => i.name)).toEqual(names);
  });

  it('every interaction serves its own method and pattern', () => {
    for (const i of INTERACTIONS) {
      expect(interactionsFor(i.method, i.path.replace('{id}', 'x1'))).toContain(i);
    }
  });
});
