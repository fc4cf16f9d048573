/**
 * `gpc-sandbox seed`: fake but plausible seed files from a random seed. Same options, same bytes.
 * faker is slow to load (~0.4 s), so only this file imports it, never the start-up path.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { base, en, en_GB, Faker, type LocaleDefinition } from '@faker-js/faker';
import { addDays } from '../domain/london-time.js';
import type {
  Address,
  Coding,
  DeliveryChannel,
  Location,
  Organization,
  Patient,
  Practitioner,
  Schedule,
  SlotVariant,
} from '../domain/model.js';
import { syntheticNhsNumbers } from '../domain/nhs-number.js';
import { SEED_FILES, type SeedData, type SeedFileName } from './seed-schema.js';

/** Hand-written entries appended to the generated ones (see seed/README.md). */
export type SeedExtras = Partial<
  Pick<SeedData, 'organizations' | 'locations' | 'practitioners' | 'schedules' | 'patients'>
>;

export interface GenerateOptions {
  randomSeed: number;
  patients: number;
  practitioners: number;
  /** The manifest's horizonDays: days of slots from the sandbox clock's today. */
  days: number;
  /** The manifest's name; default `random-seed-N`. */
  name?: string;
  extras?: SeedExtras;
}

/**
 * Job roles in turn, mostly GPs and one nurse in four. Codes are SDS job role names
 * (https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-SDSJobRoleName-1).
 */
const ROLES: { role: Coding; doctor: boolean }[] = [
  { role: { code: 'R0260', display: 'General Medical Practitioner' }, doctor: true },
  { role: { code: 'R0270', display: 'Salaried General Practitioner' }, doctor: true },
  { role: { code: 'R0620', display: 'Staff Nurse' }, doctor: false },
  { role: { code: 'R6200', display: 'GP Registrar' }, doctor: true },
];

const CHANNELS: { channel: DeliveryChannel; serviceType: string }[] = [
  { channel: 'In-person', serviceType: 'General Appointment' },
  { channel: 'Telephone', serviceType: 'Telephone consultation' },
  { channel: 'In-person', serviceType: 'General Appointment' },
  { channel: 'Video', serviceType: 'Video consultation' },
];

/**
 * The afternoon of one generated schedule in four (s3, s7, ...; the last one when there are fewer
 * than three): 16:00-17:00 another delivery channel, 17:00-18:00 that channel and another slot
 * type. So adjacent slots differ in channel (15:50 and 16:00) and in slot type only (16:50 and
 * 17:00), and GP Connect 1.2.7's rule that slots booked together share both can be exercised.
 */
function mixedAfternoon(base: { channel: DeliveryChannel; serviceType: string }): SlotVariant[] {
  const channel: DeliveryChannel = base.channel === 'Telephone' ? 'In-person' : 'Telephone';
  const serviceType =
    base.serviceType === 'Telephone consultation' ? 'General Appointment' : 'Telephone consultation';
  return [
    { from: '16:00', to: '17:00', deliveryChannel: channel },
    { from: '17:00', to: '18:00', deliveryChannel: channel, serviceType },
  ];
}

/**
 * en_GB has no names of its own (it falls back to en's American list), so names come from this
 * short list of common ones in England and Wales; faker's street patterns use them too.
 */
const words = (s: string): string[] => s.trim().split(/\s+/);
const ukNames: LocaleDefinition = {
  person: {
    first_name: {
      female: words(`Olivia Amelia Isla Ava Lily Grace Freya Emily Poppy Ella Charlotte Sarah Emma Claire
        Helen Rachel Susan Margaret Joan Fatima Aisha Priya Chloe Hannah Lucy Ruth Megan Siobhan Niamh
        Rhiannon Zara Jessica Katie Eleanor`),
      male: words(`Oliver George Noah Arthur Harry Leo Muhammad Jack Charlie Oscar Jacob Henry Thomas James
        William David John Michael Paul Peter Richard Andrew Mark Stephen Daniel Matthew Samuel Joseph
        Callum Rhys Owen Liam Ravi Arjun Imran Kwame Tomasz Alfie`),
    },
    last_name: {
      generic: words(`Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright Thompson
        Evans Walker White Roberts Green Hall Thomas Clarke Jackson Wood Harris Edwards Turner Martin Cooper
        Hill Ward Hughes Moore King Harrison Lewis Baker Lee Allen Morris Khan Scott Watson Parker Bennett
        Young Phillips Mitchell Bailey Carter Cook Singh Shaw Bell Collins Morgan Kelly Begum Campbell
        Hussain Murphy Ali Ahmed Price Chapman Anderson Rahman Okafor Mensah Nowak Chen`),
    },
  },
};

/** One town per seed, with its real postcode area, so addresses look like one practice's list. */
const TOWNS = [
  { name: 'Leeds', area: 'LS' },
  { name: 'Bristol', area: 'BS' },
  { name: 'Norwich', area: 'NR' },
  { name: 'York', area: 'YO' },
  { name: 'Exeter', area: 'EX' },
  { name: 'Derby', area: 'DE' },
  { name: 'Chester', area: 'CH' },
  { name: 'Lincoln', area: 'LN' },
];

/** Letters a postcode's inward code may end with (never C, I, K, M, O or V). */
const INWARD_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

/** The consumer ODS code the bundled seed restricts a schedule to; never a generated provider code. */
const CONSUMER_ODS = 'A11111';

export function generateSeed(options: GenerateOptions): Record<SeedFileName, unknown> {
  const { randomSeed, patients: patientCount, practitioners: practitionerCount, days } = options;
  const whole = (n: number, min: number, max: number) => Number.isInteger(n) && n >= min && n <= max;
  if (!Number.isInteger(randomSeed))
    throw new RangeError(`randomSeed must be a whole number, got ${randomSeed}`);
  if (!whole(patientCount, 0, 100_000))
    throw new RangeError(`patients must be 0 to 100000, got ${patientCount}`);
  if (!whole(practitionerCount, 0, 1000)) {
    throw new RangeError(`practitioners must be 0 to 1000, got ${practitionerCount}`);
  }
  if (!whole(days, 1, 366)) throw new RangeError(`days must be 1 to 366, got ${days}`);

  const faker = new Faker({ locale: [ukNames, en_GB, en, base] });
  faker.seed(randomSeed);
  const town = faker.helpers.arrayElement(TOWNS);
  const address = (): Address => ({
    line: [faker.location.streetAddress()],
    city: town.name,
    postalCode: `${town.area}${faker.number.int({ min: 1, max: 28 })} ${faker.number.int(9)}${faker.string.fromCharacters(INWARD_LETTERS, 2)}`,
  });
  // Ofcom's ranges for drama: numbers that look real and never ring anyone.
  const landline = () => `01632 960${faker.string.numeric(3)}`;
  const mobile = () => `07700 900${faker.string.numeric(3)}`;
  const odsCodes = new Set([CONSUMER_ODS]);
  const odsCode = (): string => {
    const code = `${faker.string.alpha({ length: 1, casing: 'upper', exclude: ['I', 'O'] })}${faker.string.numeric(5)}`;
    if (odsCodes.has(code)) return odsCode();
    odsCodes.add(code);
    return code;
  };

  const practice: Organization = {
    id: 'o1',
    odsCode: odsCode(),
    name: `${faker.location.street()} ${faker.helpers.arrayElement(['Surgery', 'Medical Centre', 'Health Centre'])}`,
    type: 'gp-practice',
    phone: landline(),
    address: address(),
  };
  const urgentCare: Organization = {
    id: 'o2',
    odsCode: odsCode(),
    name: `${town.name} Urgent Treatment Centre`,
    type: 'urgent-care',
    phone: landline(),
    address: address(),
  };
  const site = (id: string, org: Organization): Location => ({
    id,
    name: org.name,
    organizationId: org.id,
    phone: org.phone,
    address: org.address,
  });
  const locations: Location[] = [
    site('l1', practice),
    {
      id: 'l2',
      name: `${faker.location.street()} Branch Surgery`,
      organizationId: practice.id,
      phone: landline(),
      address: address(),
    },
    site('l3', urgentCare),
  ];

  const sdsUserIds = new Set<string>();
  const practitioners: Practitioner[] = [];
  const schedules: Schedule[] = [];
  for (let i = 0; i < practitionerCount; i++) {
    const { role, doctor } = ROLES[i % ROLES.length]!;
    const sex = faker.helpers.arrayElement(['female', 'male'] as const);
    let sdsUserId: string;
    do sdsUserId = `G${faker.string.numeric(8)}`;
    while (sdsUserIds.has(sdsUserId));
    sdsUserIds.add(sdsUserId);
    practitioners.push({
      id: `p${i + 1}`,
      sdsUserId,
      sdsRoleProfileId: faker.string.numeric(12),
      name: {
        family: faker.person.lastName(),
        given: [faker.person.firstName(sex)],
        ...(doctor ? { prefix: ['Dr'] } : {}),
      },
      gender: sex,
      role,
    });
    const { channel, serviceType } = CHANNELS[i % CHANNELS.length]!;
    const mixed = i % CHANNELS.length === 2 || (practitionerCount < 3 && i === practitionerCount - 1);
    schedules.push({
      id: `s${i + 1}`,
      locationId: locations[i % locations.length]!.id,
      practitionerId: `p${i + 1}`,
      serviceCategory: doctor ? 'GP surgery' : 'Nurse clinic',
      practitionerRole: role,
      pattern: {
        weekdays: [1, 2, 3, 4, 5, 6, 7],
        from: '08:00',
        to: '18:00',
        slotMinutes: 10,
        deliveryChannel: channel,
        serviceType,
        bookable: true,
        ...(mixed ? { variants: mixedAfternoon({ channel, serviceType }) } : {}),
      },
    });
  }

  const extras = options.extras ?? {};
  const taken = new Set((extras.patients ?? []).map((p) => p.nhsNumber));
  const nhsNumbers = syntheticNhsNumbers(patientCount, () => faker.number.float(), taken);
  const patients: Patient[] = nhsNumbers.map((nhsNumber, i) => {
    const sex = faker.helpers.arrayElement(['female', 'male'] as const);
    const birthDate = addDays('1930-01-01', faker.number.int(34_000)); // up to 2023; faker's dates read the real clock
    const adult = birthDate < '2008-01-01';
    const prefix = sex === 'male' ? 'Mr' : faker.helpers.arrayElement(['Mrs', 'Ms', 'Miss']);
    return {
      id: String(i + 1),
      nhsNumber,
      name: {
        family: faker.person.lastName(),
        given: [faker.person.firstName(sex)],
        ...(adult ? { prefix: [prefix] } : {}),
      },
      gender: sex,
      birthDate,
      address: address(),
      phone: mobile(),
      organizationId: practice.id,
      active: true,
    };
  });

  return {
    'seed.json': { name: options.name ?? `random-seed-${randomSeed}`, horizonDays: days },
    'organizations.json': [practice, urgentCare, ...(extras.organizations ?? [])],
    'locations.json': [...locations, ...(extras.locations ?? [])],
    'practitioners.json': [...practitioners, ...(extras.practitioners ?? [])],
    'schedules.json': [...schedules, ...(extras.schedules ?? [])],
    'patients.json': [...patients, ...(extras.patients ?? [])],
  };
}

/** Writes the files as pretty JSON with a trailing newline (what `git diff` wants). */
export function writeSeed(dir: string, files: Record<string, unknown>): void {
  mkdirSync(dir, { recursive: true });
  for (const name of SEED_FILES) {
    if (name in files) writeFileSync(join(dir, name), `${JSON.stringify(files[name], null, 2)}\n`);
  }
}

const patient = (
  id: string,
  nhsNumber: string,
  given: string,
  family: string,
  more: Partial<Patient>,
): Patient => ({
  id,
  nhsNumber,
  name: { family, given: [given] },
  gender: 'unknown',
  birthDate: '1970-01-01',
  address: { line: ['1 Example Road'], city: 'Leeds', postalCode: 'LS1 9ZZ' },
  phone: '07700 900000',
  organizationId: 'o1',
  active: true,
  ...more,
});

const gp: Coding = { code: 'R0260', display: 'General Medical Practitioner' };
const restricted = (
  id: string,
  locationId: string,
  serviceCategory: string,
  pattern: Partial<Schedule['pattern']>,
): Schedule => ({
  id,
  locationId,
  serviceCategory,
  practitionerRole: gp,
  pattern: {
    weekdays: [1, 2, 3, 4, 5, 6, 7],
    from: '08:00',
    to: '12:00',
    slotMinutes: 15,
    deliveryChannel: 'In-person',
    serviceType: 'General Appointment',
    bookable: true,
    ...pattern,
  },
});

/** The bundled seed's hand-written patients and schedules: edge cases a consumer should meet. */
export const BUNDLED_EXTRAS: SeedExtras = {
  patients: [
    // GP Connect's find-a-patient must leave these three out (digest §1.4).
    patient('deceased', '9990000050', 'Daisy', 'Deceased', {
      gender: 'female',
      birthDate: '1931-04-12',
      deceasedDateTime: '2025-11-02T14:20:00+00:00',
    }),
    patient('sensitive', '9990000069', 'Sian', 'Sensitive', {
      gender: 'female',
      birthDate: '1988-09-30',
      sensitive: true,
    }),
    patient('inactive', '9990000077', 'Ivan', 'Inactive', {
      gender: 'male',
      birthDate: '1979-02-14',
      active: false,
    }),
    // Magic patients: their bookings always meet one outcome (faults/magic-patients.ts).
    patient('dupe', '9990000018', 'Dupe', 'Always', { magic: 'duplicate' }),
    patient('crash', '9990000026', 'Crash', 'Always', { magic: 'server-error' }),
    patient('slow', '9990000034', 'Slow', 'Always', { magic: 'slow' }),
    patient('denied', '9990000042', 'Denied', 'Always', { magic: 'access-denied' }),
  ],
  schedules: [
    restricted('urgent-care', 'l3', 'Urgent care slots', {
      from: '08:00',
      to: '20:00',
      serviceType: 'Urgent appointment',
      restriction: { orgType: 'urgent-care' },
    }),
    restricted('a11111-only', 'l1', 'Extended access clinic', {
      weekdays: [1, 2, 3, 4, 5],
      from: '18:00',
      to: '20:00',
      restriction: { odsCode: CONSUMER_ODS },
    }),
    restricted('practice-only', 'l2', 'Morning clinic', { bookable: false }),
  ],
};

/** What seed/ holds; regenerate with the command in seed/README.md. */
export const BUNDLED_SEED_OPTIONS: GenerateOptions = {
  randomSeed: 42,
  patients: 24,
  practitioners: 4,
  days: 28,
  name: 'bundled',
  extras: BUNDLED_EXTRAS,
};
