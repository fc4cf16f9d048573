import { describe, expect, it } from 'vitest';
import {
  crossCheckSeed,
  formatProblem,
  looksLikeSeedFile,
  type SeedData,
  validateSeedFile,
} from './seed-schema.js';

const address = { line: ['1 High Street'], city: 'Leeds', postalCode: 'LS1 1AA' };
const schedule = (pattern: Record<string, unknown> = {}) => ({
  id: 's1',
  locationId: 'l1',
  serviceCategory: 'GP surgery',
  practitionerRole: { code: 'R0260', display: 'General Medical Practitioner' },
  pattern: {
    weekdays: [1, 2, 3, 4, 5],
    from: '08:00',
    to: '18:00',
    slotMinutes: 10,
    deliveryChannel: 'In-person',
    serviceType: 'General Appointment',
    bookable: true,
    ...pattern,
  },
});
const patient = (more: Record<string, unknown> = {}) => ({
  id: '1',
  nhsNumber: '9990000018',
  name: { family: 'Smith', given: ['Ann'] },
  gender: 'female',
  birthDate: '1980-02-29',
  address,
  phone: '07700 900123',
  organizationId: 'o1',
  active: true,
  ...more,
});

const lines = (file: string, json: unknown) => validateSeedFile(file, json).map(formatProblem);

describe('seed file schemas', () => {
  it('accepts well-formed files', () => {
    expect(lines('seed/schedules.json', [schedule()])).toEqual([]);
    expect(lines('seed/patients.json', [patient()])).toEqual([]);
    expect(lines('seed/seed.json', { name: 'x', horizonDays: 28 })).toEqual([]);
  });

  it('names the file, the JSON path and the problem in one line', () => {
    expect(
      lines('seed/schedules.json', [schedule(), schedule(), schedule(), schedule({ slotMinutes: 'ten' })]),
    ).toEqual(['seed/schedules.json: $[3].pattern.slotMinutes: expected a number, got "ten"']);
  });

  it.each([
    [{ slotMinutes: 1.5 }, '$[0].pattern.slotMinutes: expected a whole number, got 1.5'],
    [{ slotMinutes: 241 }, '$[0].pattern.slotMinutes: must be at most 240, got 241'],
    [{ slotMinutes: 0 }, '$[0].pattern.slotMinutes: must be at least 1, got 0'],
    [{ from: '8:00' }, '$[0].pattern.from: a time is "HH:MM", 00:00 to 23:59, got "8:00"'],
    [{ to: '07:00' }, '$[0].pattern.to: must be later than from (08:00)'],
    [{ to: '08:05' }, '$[0].pattern.slotMinutes: no 10-minute slot fits between 08:00 and 08:05'],
    [{ weekdays: [] }, '$[0].pattern.weekdays: must have at least 1 entries'],
    [{ weekdays: [0] }, '$[0].pattern.weekdays[0]: must be at least 1, got 0'],
    [
      { deliveryChannel: 'Post' },
      '$[0].pattern.deliveryChannel: expected one of "In-person", "Telephone", "Video", got "Post"',
    ],
    [
      { bookable: undefined },
      '$[0].pattern.bookable: expected true or false, got nothing (the field is missing)',
    ],
    [{ slotMinuts: 10 }, '$[0].pattern.slotMinuts: unknown field (check its spelling)'],
    [
      { restriction: { orgType: 'hospital' } },
      '$[0].pattern.restriction.orgType: expected one of "gp-practice", "urgent-care", got "hospital"',
    ],
  ])('reports a schedule pattern with %j', (pattern, problem) => {
    expect(lines('schedules.json', [schedule(pattern)])).toEqual([`schedules.json: ${problem}`]);
  });

  it('reports bad and repeated NHS numbers, ids and dates in patients', () => {
    expect(
      lines('patients.json', [
        patient({ nhsNumber: '9990000019' }),
        patient({ id: 'two', nhsNumber: '9990000026', birthDate: '1981-02-29' }),
        patient({ id: 'bad id', nhsNumber: '9990000034' }),
      ]),
    ).toEqual([
      'patients.json: $[0].nhsNumber: NHS number "9990000019" fails the modulus-11 check: its last digit should be 8, not 9',
      'patients.json: $[1].birthDate: expected a real date as "YYYY-MM-DD", got "1981-02-29"',
      'patients.json: $[2].id: an id is 1 to 64 characters from A-Z, a-z, 0-9, "-" and ".", got "bad id"',
    ]);
    expect(lines('patients.json', [patient(), patient()])).toEqual([
      'patients.json: $[1].id: "1" is already used by $[0]',
      'patients.json: $[1].nhsNumber: "9990000018" is already used by $[0]',
    ]);
  });

  it('checks deceasedDateTime is a date or a dateTime with a zone', () => {
    expect(lines('patients.json', [patient({ deceasedDateTime: '2025-11-02T14:20:00+00:00' })])).toEqual([]);
    expect(lines('patients.json', [patient({ deceasedDateTime: '2025-11-02' })])).toEqual([]);
    expect(lines('patients.json', [patient({ deceasedDateTime: '2025-11-02T14:20:00' })])).toHaveLength(1);
  });

  it('keeps schedule ids short enough for their slot ids to be FHIR ids', () => {
    expect(lines('schedules.json', [{ ...schedule(), id: 'x'.repeat(51) }])).toEqual([]);
    expect(lines('schedules.json', [{ ...schedule(), id: 'x'.repeat(52) }])).toHaveLength(1);
  });

  it('tells the file kind by content when the name is not a seed file name', () => {
    expect(lines('mine.json', [schedule({ slotMinutes: 'ten' })])).toEqual([
      'mine.json: $[0].pattern.slotMinutes: expected a number, got "ten"',
    ]);
    expect(lines('mine.json', { rules: [] })).toEqual([
      'mine.json: not recognisably a seed file (seed.json, organizations.json, locations.json, practitioners.json, schedules.json, patients.json)',
    ]);
  });

  it('recognises each seed file by its fields', () => {
    expect(looksLikeSeedFile({ name: 'x', horizonDays: 1 })).toBe('seed.json');
    expect(looksLikeSeedFile([schedule()])).toBe('schedules.json');
    expect(looksLikeSeedFile([patient()])).toBe('patients.json');
    expect(looksLikeSeedFile([{ id: 'p1', sdsUserId: 'G1' }])).toBe('practitioners.json');
    expect(looksLikeSeedFile([{ id: 'o1', odsCode: 'A1' }])).toBe('organizations.json');
    expect(looksLikeSeedFile([{ id: 'l1', organizationId: 'o1' }])).toBe('locations.json');
    expect(looksLikeSeedFile({ description: 'x', rules: [] })).toBeUndefined();
    expect(looksLikeSeedFile([])).toBeUndefined();
  });

  it('checks references between files', () => {
    const seed = {
      manifest: { name: 'x', horizonDays: 1 },
      organizations: [{ id: 'o1' }],
      locations: [{ id: 'l1', organizationId: 'o2' }],
      practitioners: [{ id: 'p1' }],
      schedules: [{ ...schedule(), locationId: 'l9', practitionerId: 'p9' }],
      patients: [patient({ organizationId: 'o3' })],
    } as unknown as SeedData;
    expect(crossCheckSeed(seed, (f) => `seed/${f}`).map(formatProblem)).toEqual([
      'seed/locations.json: $[0].organizationId: "o2" is not an id in organizations.json',
      'seed/schedules.json: $[0].locationId: "l9" is not an id in locations.json',
      'seed/schedules.json: $[0].practitionerId: "p9" is not an id in practitioners.json',
      'seed/patients.json: $[0].organizationId: "o3" is not an id in organizations.json',
    ]);
  });
});
