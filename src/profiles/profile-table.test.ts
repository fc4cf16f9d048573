import { afterAll, describe, expect, it } from 'vitest';
import { gpcBooking, seedExample } from '../../test/helpers/bodies.js';
import { book } from '../domain/booking.js';
import { SandboxState } from '../domain/state.js';
import { readAppointmentForCreate } from '../fhir/appointment-input.js';
import { bookingProfile } from '../fhir/appointment-resource.js';
import { readAmend } from '../fhir/appointment-update-input.js';
import { negotiateResponseFormat, requestBodyFormat } from '../fhir/format.js';
import { EXTENSION_URL } from '../fhir/profiles.js';
import { appointmentToFhir } from '../fhir/resources.js';
import { createSandbox } from '../index.js';
import { coreOf } from '../testing.js';
import {
  DEFAULT_PROFILE,
  PROFILE_NAMES,
  PROFILES,
  type Profile,
  profileProblems,
  statusFor,
} from './index.js';

/**
 * A profile is a table of differences: a third profile made from one of the two tables with one
 * row changed must behave differently from its base in that row and nowhere else. Each probe
 * below is one request (a booking body, an amend, a negotiation, a body media type, a status, an
 * Appointment served, a booking against the seeded schedules) reduced to its outcome; each case
 * changes one row and names the probes whose outcome must change. Any other probe that changes,
 * or a named one that does not, fails the case.
 */

const sandbox = createSandbox({ clock: '2026-06-01T08:00:00+01:00', auth: 'off' });
const core = coreOf(sandbox);
afterAll(() => sandbox.close());
const NOW = core.clock.now();

type Body = Record<string, unknown>;
const long = (n: number) => 'x'.repeat(n);
const edit = (change: (body: Body & ReturnType<typeof gpcBooking>) => void): Body => {
  const body = gpcBooking() as Body & ReturnType<typeof gpcBooking>;
  change(body);
  return body;
};
const participants = (body: Body) => body['participant'] as Array<Record<string, unknown>>;

/** Booking bodies, each straying from a full 1.2.7 booking in one way. */
const BODIES: Record<string, Body> = {
  full: gpcBooking(),
  'seed example': seedExample(),
  'no meta': edit((b) => delete b['meta']),
  'meta.profile of another profile': edit((b) => {
    b['meta'] = { profile: ['https://example.org/StructureDefinition/Other-Appointment'] };
  }),
  'no start and end': edit((b) => {
    delete b['start'];
    delete b['end'];
  }),
  'no created': edit((b) => delete b['created']),
  'no description': edit((b) => delete b['description']),
  'a reason': edit((b) => {
    b['reason'] = [{ text: 'Sore throat' }];
  }),
  'a specialty': edit((b) => {
    b['specialty'] = [{ text: 'General practice' }];
  }),
  'participant status booked': edit((b) => {
    participants(b)[0]!['status'] = 'booked';
  }),
  'participant without status': edit((b) => {
    delete participants(b)[0]!['status'];
  }),
  'no Location participant': edit((b) => {
    b['participant'] = [participants(b)[0]];
  }),
  'an unknown extension': edit((b) => {
    (b['extension'] as unknown[]).push({ url: 'https://example.org/ext', valueString: 'x' });
  }),
  'a cancellation reason extension': edit((b) => {
    (b['extension'] as unknown[]).push({ url: EXTENSION_URL.cancellationReason, valueString: 'x' });
  }),
  'no booking organisation': edit((b) => {
    delete b['extension'];
    delete b['contained'];
  }),
  'description of 101 characters': edit((b) => {
    b['description'] = long(101);
  }),
  'comment of 501 characters': edit((b) => {
    b['comment'] = long(501);
  }),
  'identifier without system': edit((b) => {
    b['identifier'] = [{ value: 'abc' }];
  }),
  'the schedule has another Location': gpcBooking({ locationId: 'l2' }),
};

/** What a refusal or an answer comes to, for comparing two profiles' behaviour. */
function outcome(run: () => unknown): string {
  try {
    return `ok ${JSON.stringify(run())}`;
  } catch (error) {
    return `refused ${(error as Error).message}`;
  }
}

const stored = gpcBooking() as Body;
const probes: Record<string, (profile: Profile) => string> = {
  ...Object.fromEntries(
    Object.entries(BODIES).map(([name, body]) => [
      `read booking: ${name}`,
      (profile: Profile) => outcome(() => readAppointmentForCreate(structuredClone(body), profile, NOW)),
    ]),
  ),
  ...Object.fromEntries(
    Object.entries(BODIES).map(([name, body]) => [
      `book: ${name}`,
      (profile: Profile) =>
        outcome(() => {
          const request = readAppointmentForCreate(structuredClone(body), profile, NOW);
          const ctx = {
            profile,
            ...bookingProfile(profile),
            directory: core.directory,
            calendar: core.calendar,
            state: new SandboxState(),
            nowMs: NOW,
          };
          return book(request, ctx).resource;
        }),
    ]),
  ),
  'amend: description removed': (p) =>
    outcome(() => readAmend({ ...stored, description: undefined }, stored, p)),
  'amend: description of 101 characters': (p) =>
    outcome(() => readAmend({ ...stored, description: long(101) }, stored, p)),
  'amend: comment of 501 characters': (p) =>
    outcome(() => readAmend({ ...stored, comment: long(501) }, stored, p)),
  ...Object.fromEntries(
    (
      [
        ['_format=json', { formatParam: 'json' }],
        ['_format=application/fhir+xml', { formatParam: 'application/fhir+xml' }],
        ['Accept: application/json', { accept: 'application/json' }],
        ['Accept: text/*', { accept: 'text/*' }],
        ['Accept: application/*', { accept: 'application/*', contentType: 'application/fhir+xml' }],
        ['Content-Type: application/xml', { contentType: 'application/xml' }],
        ['Accept: text/html', { accept: 'text/html' }],
      ] as const
    ).map(([name, input]) => [
      `negotiate ${name}`,
      (p: Profile) => outcome(() => negotiateResponseFormat({ ...input, rules: p.responseFormats })),
    ]),
  ),
  ...Object.fromEntries(
    ['application/json', 'application/fhir+xml', 'text/xml'].map((type) => [
      `request body ${type}`,
      (p: Profile) => outcome(() => requestBodyFormat(type, p.requestContentTypes)),
    ]),
  ),
  'status of DUPLICATE_REJECTED': (p) => String(statusFor(p, 'DUPLICATE_REJECTED')),
  'status of INVALID_RESOURCE': (p) => String(statusFor(p, 'INVALID_RESOURCE')),
  'Appointment served': (p) =>
    outcome(() =>
      appointmentToFhir(
        { id: '1', versionId: '1', lastModifiedMs: NOW, resource: stored } as Parameters<
          typeof appointmentToFhir
        >[0],
        p.appointmentProfile,
      ),
    ),
};

function behaviour(profile: Profile): Record<string, string> {
  return Object.fromEntries(Object.entries(probes).map(([name, probe]) => [name, probe(profile)]));
}

const gpc = PROFILES['gpconnect-1.2.7'];
const cc = PROFILES.careconnect;
const third = (base: Profile, row: Partial<Profile>): Profile => ({ ...base, name: 'third', ...row });

interface Case {
  row: string;
  base: Profile;
  change: Partial<Profile>;
  /** The probes whose outcome the row decides. */
  differs: string[] | 'every booking that succeeds';
}

const CASES: Case[] = [
  {
    row: 'textLimits.description',
    base: gpc,
    change: { textLimits: { ...gpc.textLimits, description: 200 } },
    // The limit is named in the refusal of a missing description too.
    differs: [
      'read booking: description of 101 characters',
      'book: description of 101 characters',
      'read booking: no description',
      'book: no description',
      'amend: description of 101 characters',
      'amend: description removed',
    ],
  },
  {
    row: 'textLimits.comment',
    base: gpc,
    change: { textLimits: { description: 100 } },
    differs: [
      'read booking: comment of 501 characters',
      'book: comment of 501 characters',
      'amend: comment of 501 characters',
    ],
  },
  {
    row: 'statusOverrides',
    base: gpc,
    change: { statusOverrides: { DUPLICATE_REJECTED: 422 } },
    differs: ['status of DUPLICATE_REJECTED'],
  },
  {
    row: 'required (created)',
    base: gpc,
    change: { required: gpc.required.filter((r) => r !== 'created') },
    differs: ['read booking: no created', 'book: no created'],
  },
  {
    row: 'required (description), on a careconnect base',
    base: cc,
    change: { required: ['description'] },
    differs: ['read booking: no description', 'book: no description', 'amend: description removed'],
  },
  {
    row: 'forbidden (reason)',
    base: gpc,
    change: {
      forbidden: Object.fromEntries(
        Object.entries(gpc.forbidden).filter(([element]) => element !== 'reason'),
      ),
    },
    differs: ['read booking: a reason', 'book: a reason'],
  },
  {
    row: 'forbidden (specialty), on a careconnect base',
    base: cc,
    change: { forbidden: { specialty: '(test)' } },
    differs: ['read booking: a specialty', 'book: a specialty'],
  },
  {
    row: 'participant.statuses',
    base: gpc,
    change: { participant: { ...gpc.participant, statuses: [...gpc.participant.statuses, 'booked'] } },
    differs: ['read booking: participant status booked', 'book: participant status booked'],
  },
  {
    row: 'participant.requiredActors',
    base: gpc,
    change: { participant: { ...gpc.participant, requiredActors: [] } },
    // Without a Location the booking reads, and booking it fails later, on the schedule's Location.
    differs: ['read booking: no Location participant', 'book: no Location participant'],
  },
  {
    row: 'extensions',
    base: gpc,
    change: { extensions: 'any' },
    differs: [
      'read booking: an unknown extension',
      'book: an unknown extension',
      'read booking: a cancellation reason extension',
      'book: a cancellation reason extension',
    ],
  },
  {
    row: 'extensions, on a careconnect base',
    base: cc,
    change: { extensions: ['bookingOrganisation', 'deliveryChannel', 'practitionerRole'] },
    differs: [
      'read booking: an unknown extension',
      'book: an unknown extension',
      'read booking: a cancellation reason extension',
      'book: a cancellation reason extension',
    ],
  },
  {
    row: 'responseFormats',
    base: gpc,
    change: { responseFormats: cc.responseFormats },
    differs: [
      'negotiate _format=json',
      'negotiate Accept: application/json',
      'negotiate Accept: text/*',
      'negotiate Content-Type: application/xml',
      // The list of what to use instead is the row's.
      'negotiate Accept: text/html',
    ],
  },
  {
    row: 'requestContentTypes',
    base: gpc,
    change: { requestContentTypes: ['application/fhir+json', 'application/fhir+xml', 'application/json'] },
    differs: ['request body application/json', 'request body text/xml'],
  },
  {
    row: 'appointmentProfile, on a careconnect base',
    base: cc,
    change: { appointmentProfile: 'https://example.org/StructureDefinition/Third-Appointment' },
    differs: ['Appointment served'],
  },
  {
    row: 'booking.matchSchedule',
    base: gpc,
    change: { booking: { ...gpc.booking, matchSchedule: false } },
    differs: ['book: the schedule has another Location'],
  },
  {
    row: 'booking.fillFromSchedule',
    base: gpc,
    change: { booking: { ...gpc.booking, fillFromSchedule: false } },
    // The one probe gpconnect-1.2.7 books is stored without what the schedule adds.
    differs: ['book: full'],
  },
  {
    row: 'booking.fillFromSchedule, on a careconnect base',
    base: cc,
    change: { booking: { ...cc.booking, fillFromSchedule: true } },
    // Every booking careconnect makes is stored with what the schedule adds.
    differs: 'every booking that succeeds',
  },
];

describe('a third profile, one of the two tables with one row changed', () => {
  const baseline = new Map([gpc, cc].map((p) => [p, behaviour(p)] as const));

  it('is told apart by the probes: the two registered profiles differ on many of them', () => {
    const a = baseline.get(gpc)!;
    const b = baseline.get(cc)!;
    const differing = Object.keys(probes).filter((name) => a[name] !== b[name]);
    expect(differing.length).toBeGreaterThan(20);
  });

  it.each(CASES)('$row: differs from its base only where that row decides', ({ base, change, differs }) => {
    const profile = third(base, change);
    expect(profileProblems(profile)).toEqual([]);
    const before = baseline.get(base)!;
    const after = behaviour(profile);
    const changed = Object.keys(probes).filter((name) => before[name] !== after[name]);
    const expected =
      differs === 'every booking that succeeds'
        ? Object.keys(probes).filter((name) => name.startsWith('book: ') && before[name]!.startsWith('ok'))
        : differs;
    expect(expected.length).toBeGreaterThan(0);
    expect(changed.sort()).toEqual([...expected].sort());
  });
});

describe('the profile registry', () => {
  it('lists each profile once under its name, the default first', () => {
    expect(Object.keys(PROFILES)).toEqual(PROFILE_NAMES);
    for (const name of PROFILE_NAMES) expect(PROFILES[name].name).toBe(name);
    expect(DEFAULT_PROFILE).toBe(PROFILE_NAMES[0]);
  });

  it('holds only tables without problems', () => {
    for (const profile of Object.values(PROFILES)) expect(profileProblems(profile)).toEqual([]);
  });

  it.each([
    [
      'matching the schedule without reading the booking organisation',
      third(gpc, { required: gpc.required.filter((r) => r !== 'extension:bookingOrganisation') }),
      /booking\.matchSchedule .* required must include extension:bookingOrganisation/,
    ],
    [
      'a media type listed twice',
      third(cc, { requestContentTypes: ['application/fhir+json', 'application/fhir+json'] }),
      /requestContentTypes lists a value twice/,
    ],
    [
      'a media type the server cannot read',
      third(cc, { requestContentTypes: ['text/plain' as 'text/xml'] }),
      /text\/plain is not a FHIR media type/,
    ],
    [
      'no JSON response type',
      third(cc, { responseFormats: { mediaTypes: ['application/fhir+xml'], shortForms: [] } }),
      /must include a JSON type/,
    ],
    [
      'a text limit of 0',
      third(cc, { textLimits: { comment: 0 } }),
      /textLimits\.comment must be a positive/,
    ],
    [
      'an element both required and forbidden',
      third(gpc, { forbidden: { ...gpc.forbidden, created: '(test)' } }),
      /created is both required and forbidden/,
    ],
    [
      'an element every booking needs, forbidden',
      third(cc, { forbidden: { slot: '(test)' } }),
      /slot is both required and forbidden/,
    ],
    [
      'forbidding what is no Appointment element',
      third(cc, { forbidden: { reasonCode: '(R4 name)' } }),
      /forbidden\.reasonCode is not an element of a FHIR STU3 Appointment/,
    ],
  ] as const)('refuses %s', (_name, profile, problem) => {
    expect(profileProblems(profile).join('; ')).toMatch(problem);
  });
});
