import { describe, expect, it } from 'vitest';
import type { AppointmentResources } from './appointment-resources.js';
import {
  appointmentOf,
  cancelRecord,
  checkAmendable,
  checkExpectedVersion,
  checkFuture,
  versionOrFail,
} from './appointment-update.js';
import { type BookingCommand, type BookingContext, book, slotOf } from './booking.js';
import { Directory } from './directory.js';
import { DomainError, type DomainErrorKind, type DomainProblem } from './errors.js';
import type { Schedule, Seed, SlotPattern } from './model.js';
import { holdSlot, releaseSlot } from './slot-holds.js';
import { SlotCalendar } from './slots.js';
import { SandboxState } from './state.js';

// Each rule the domain enforces raises its own DomainError kind with the facts of the case.

function schedule(id: string, pattern: Partial<SlotPattern> = {}, rest: Partial<Schedule> = {}): Schedule {
  return {
    id,
    locationId: 'l1',
    practitionerId: 'p1',
    serviceCategory: 'GP surgery',
    practitionerRole: { code: 'R0260', display: 'General Medical Practitioner' },
    pattern: {
      weekdays: [1, 2, 3, 4, 5, 6, 7],
      from: '09:00',
      to: '11:00',
      slotMinutes: 10,
      deliveryChannel: 'In-person',
      serviceType: 'General Appointment',
      bookable: true,
      ...pattern,
    },
    ...rest,
  };
}

const address = { line: ['1 High Street'], city: 'Leeds', postalCode: 'LS1 1AA' };
const SEED: Seed = {
  manifest: { name: 'test', horizonDays: 14 },
  organizations: [
    { id: 'o1', odsCode: 'A99999', name: 'Practice', type: 'gp-practice', phone: '0', address },
  ],
  locations: [
    { id: 'l1', name: 'Surgery', organizationId: 'o1', phone: '0', address },
    { id: 'l2', name: 'Branch', organizationId: 'o1', phone: '0', address },
  ],
  practitioners: ['p1', 'p2'].map((id) => ({
    id,
    sdsUserId: id,
    name: { family: 'Doctor', given: ['A'] },
    gender: 'female' as const,
    role: { code: 'R0260', display: 'General Medical Practitioner' },
  })),
  schedules: [
    schedule('s1', { variants: [{ from: '10:00', to: '11:00', deliveryChannel: 'Telephone' }] }),
    schedule('s2'),
    schedule('s3', { bookable: false }),
    schedule('s4', { restriction: { orgType: 'urgent-care' } }),
    schedule('s5', { restriction: { odsCode: 'A11111' } }),
  ],
  patients: [
    {
      id: '1',
      nhsNumber: '9000000009',
      name: { family: 'Patient', given: ['A'] },
      gender: 'female',
      birthDate: '1980-01-01',
      address,
      phone: '0',
      organizationId: 'o1',
      active: true,
    },
  ],
  fingerprint: 'test',
};

/** Monday 1 June 2026, 12:00 UTC: slots of 2 June (BST) are future, those of 1 June at 9:00 past. */
const NOW = Date.parse('2026-06-01T12:00:00Z');
const directory = new Directory(SEED);
const calendar = new SlotCalendar(SEED);
const resources: AppointmentResources = {
  booked: (body) => ({ ...body }),
  cancelled: (resource, reason) => ({ ...resource, status: 'cancelled', reason }),
};

function context(state = new SandboxState()): BookingContext {
  return { rules: { matchSchedule: true }, resources, directory, calendar, state, nowMs: NOW };
}

const ORG = { odsCode: 'A99999', type: 'gp-practice' };
function command(overrides: Partial<BookingCommand> = {}): BookingCommand {
  return {
    patientId: '1',
    slotIds: ['s1-202606020900'],
    locationId: 'l1',
    bookingOrganisation: ORG,
    body: {},
    ...overrides,
  };
}

/** The DomainError `run` throws, as its problem. */
function problemOf(run: () => unknown): DomainProblem {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).kind).toBe((error as DomainError).problem.kind);
    return (error as DomainError).problem;
  }
  throw new Error('no DomainError was thrown');
}

const bookWith = (overrides: Partial<BookingCommand>, state?: SandboxState) => () =>
  book(command(overrides), context(state));

function stateWithBooking(): { state: SandboxState; id: string } {
  const state = new SandboxState();
  const record = book(command(), context(state));
  return { state, id: record.id };
}

const raised = new Set<DomainErrorKind>();

describe('the booking rules raise DomainErrors', () => {
  it.each<[string, () => unknown, DomainProblem]>([
    [
      'an unknown patient',
      bookWith({ patientId: 'nobody' }),
      { kind: 'unknown-reference', resourceType: 'Patient', id: 'nobody' },
    ],
    [
      'an unknown slot, by its position',
      bookWith({ slotIds: ['s1-202606020900', 's1-202606020901'] }),
      { kind: 'unknown-reference', resourceType: 'Slot', id: 's1-202606020901', index: 1 },
    ],
    [
      'an unknown location',
      bookWith({ locationId: 'l9' }),
      { kind: 'unknown-reference', resourceType: 'Location', id: 'l9' },
    ],
    [
      'an unknown practitioner',
      bookWith({ practitionerId: 'p9' }),
      { kind: 'unknown-reference', resourceType: 'Practitioner', id: 'p9' },
    ],
    [
      'a slot beyond the horizon',
      bookWith({ slotIds: ['s1-202607010900'] }),
      { kind: 'slot-beyond-horizon', slotId: 's1-202607010900', index: 0, lastDate: '2026-06-14' },
    ],
    [
      'slots on two schedules',
      bookWith({ slotIds: ['s1-202606020900', 's2-202606020910'] }),
      {
        kind: 'mixed-schedules',
        slotId: 's2-202606020910',
        index: 1,
        scheduleId: 's2',
        firstScheduleId: 's1',
      },
    ],
    [
      'a slot that has started',
      bookWith({ slotIds: ['s1-202606010900'] }),
      { kind: 'slot-not-future', slotId: 's1-202606010900', index: 0, start: '2026-06-01T09:00:00+01:00' },
    ],
    [
      'a schedule not bookable',
      bookWith({ slotIds: ['s3-202606020900'] }),
      { kind: 'schedule-not-bookable', slotId: 's3-202606020900', index: 0, scheduleId: 's3' },
    ],
    [
      'slots apart, naming the later one by its position in the request',
      bookWith({ slotIds: ['s1-202606020930', 's1-202606020900'] }),
      {
        kind: 'not-adjacent',
        slotId: 's1-202606020930',
        index: 0,
        start: '2026-06-02T09:30:00+01:00',
        previousSlotId: 's1-202606020900',
        previousEnd: '2026-06-02T09:10:00+01:00',
        scheduleId: 's1',
      },
    ],
    [
      'adjacent slots with two delivery channels',
      bookWith({ slotIds: ['s1-202606020950', 's1-202606021000'] }),
      {
        kind: 'mixed-services',
        slotId: 's1-202606021000',
        index: 1,
        start: '2026-06-02T10:00:00+01:00',
        aspect: 'deliveryChannel',
        value: 'Telephone',
        firstSlotId: 's1-202606020950',
        firstValue: 'In-person',
      },
    ],
    [
      'a start that is not the first slot’s',
      bookWith({ start: '2026-06-02T09:05:00+01:00', startMs: Date.parse('2026-06-02T08:05:00Z') }),
      {
        kind: 'start-mismatch',
        given: '2026-06-02T09:05:00+01:00',
        slotId: 's1-202606020900',
        slotStart: '2026-06-02T09:00:00+01:00',
      },
    ],
    [
      'an end that is not the last slot’s',
      bookWith({ end: '2026-06-02T09:20:00+01:00', endMs: Date.parse('2026-06-02T08:20:00Z') }),
      {
        kind: 'end-mismatch',
        given: '2026-06-02T09:20:00+01:00',
        slotId: 's1-202606020900',
        slotEnd: '2026-06-02T09:10:00+01:00',
      },
    ],
    [
      'a duration that is not the slots’',
      bookWith({ minutesDuration: 15 }),
      { kind: 'duration-mismatch', given: 15, minutes: 10 },
    ],
    [
      'another location than the schedule’s',
      bookWith({ locationId: 'l2' }),
      { kind: 'location-not-schedule', locationId: 'l2', scheduleId: 's1', scheduleLocationId: 'l1' },
    ],
    [
      'another practitioner than the schedule’s',
      bookWith({ practitionerId: 'p2' }),
      { kind: 'practitioner-not-schedule', practitionerId: 'p2', schedulePractitionerId: 'p1' },
    ],
    [
      'another delivery channel than the slots’',
      bookWith({ deliveryChannel: 'Video' }),
      { kind: 'channel-mismatch', given: 'Video', slotChannel: 'In-person' },
    ],
    [
      'another practitioner role than the schedule’s',
      bookWith({ practitionerRoleCode: 'R0270' }),
      {
        kind: 'role-mismatch',
        given: 'R0270',
        roleCode: 'R0260',
        roleDisplay: 'General Medical Practitioner',
      },
    ],
    [
      'an organisation type the slots are not offered to',
      bookWith({ slotIds: ['s4-202606020900'] }),
      { kind: 'organisation-type-restricted', orgType: 'urgent-care', given: 'gp-practice' },
    ],
    [
      'an organisation the slots are not offered to',
      bookWith({ slotIds: ['s5-202606020900'] }),
      { kind: 'organisation-restricted', odsCode: 'A11111', given: 'A99999' },
    ],
    [
      'a slot a booking holds',
      () => {
        const { state } = stateWithBooking();
        book(command(), context(state));
      },
      {
        kind: 'slot-taken',
        slotId: 's1-202606020900',
        index: 0,
        start: '2026-06-02T09:00:00+01:00',
        heldBy: '1',
      },
    ],
    [
      'a slot the practice holds busy, by its position in the request',
      () => {
        const state = new SandboxState();
        holdSlot(state, slotOf(calendar, 's1-202606020910', 0));
        book(command({ slotIds: ['s1-202606020910', 's1-202606020900'] }), context(state));
      },
      { kind: 'slot-taken', slotId: 's1-202606020910', index: 0, start: '2026-06-02T09:10:00+01:00' },
    ],
  ])('%s', (_title, run, expected) => {
    const problem = problemOf(run);
    expect(problem).toEqual(expected);
    raised.add(problem.kind);
  });

  it('apply the schedule rules only when the profile asks for them', () => {
    const ctx = { ...context(), rules: { matchSchedule: false } };
    expect(book(command({ locationId: 'l2', deliveryChannel: 'Video' }), ctx).slotIds).toEqual([
      's1-202606020900',
    ]);
  });
});

describe('the rules for an existing appointment raise DomainErrors', () => {
  it.each<[string, () => unknown, DomainProblem]>([
    [
      'an unknown appointment',
      () => appointmentOf(new SandboxState(), '7'),
      { kind: 'no-record', appointmentId: '7' },
    ],
    [
      'a version it never had',
      () => {
        const { state, id } = stateWithBooking();
        const record = cancelRecord(appointmentOf(state, id), 'ill', NOW, resources);
        versionOrFail(record, '5');
      },
      { kind: 'no-version', appointmentId: '1', versionId: '5', versions: ['1', '2'] },
    ],
    [
      'an amend of a past appointment',
      () => {
        const { state, id } = stateWithBooking();
        checkFuture(appointmentOf(state, id), Date.parse('2026-06-03T00:00:00Z'), 'amend');
      },
      {
        kind: 'past-appointment',
        appointmentId: '1',
        operation: 'amend',
        startMs: Date.parse('2026-06-02T08:00:00Z'),
        nowMs: Date.parse('2026-06-03T00:00:00Z'),
      },
    ],
    [
      'an amend of a cancelled appointment',
      () => {
        const { state, id } = stateWithBooking();
        checkAmendable(cancelRecord(appointmentOf(state, id), 'ill', NOW, resources));
      },
      { kind: 'cancelled-not-amendable', appointmentId: '1' },
    ],
    [
      'a stale expected version',
      () => {
        const { state, id } = stateWithBooking();
        checkExpectedVersion(appointmentOf(state, id), ['0', '2'], 'W/"0", W/"2"');
      },
      { kind: 'version-conflict', appointmentId: '1', currentVersion: '1', sent: 'W/"0", W/"2"' },
    ],
    [
      'freeing a slot a booking holds',
      () => {
        const { state } = stateWithBooking();
        releaseSlot(state, slotOf(calendar, 's1-202606020900', 0));
      },
      {
        kind: 'slot-taken',
        slotId: 's1-202606020900',
        index: 0,
        start: '2026-06-02T09:00:00+01:00',
        heldBy: '1',
      },
    ],
  ])('%s', (_title, run, expected) => {
    const problem = problemOf(run);
    expect(problem).toEqual(expected);
    raised.add(problem.kind);
  });

  it('let a current version, any version, a future appointment and a booked one through', () => {
    const { state, id } = stateWithBooking();
    const record = appointmentOf(state, id);
    expect(() => checkExpectedVersion(record, ['1'], 'W/"1"')).not.toThrow();
    expect(() => checkExpectedVersion(record, 'any', '*')).not.toThrow();
    expect(() => checkFuture(record, NOW, 'read')).not.toThrow();
    expect(() => checkAmendable(record)).not.toThrow();
    expect(versionOrFail(record, '1')).toBe(record);
  });
});

describe('the DomainError kinds', () => {
  it('are each raised by a rule above', () => {
    // A Record over the union: adding a kind without a rule test fails to compile here.
    const all: Record<DomainErrorKind, true> = {
      'unknown-reference': true,
      'slot-beyond-horizon': true,
      'mixed-schedules': true,
      'slot-not-future': true,
      'schedule-not-bookable': true,
      'not-adjacent': true,
      'mixed-services': true,
      'slot-taken': true,
      'start-mismatch': true,
      'end-mismatch': true,
      'duration-mismatch': true,
      'location-not-schedule': true,
      'practitioner-not-schedule': true,
      'channel-mismatch': true,
      'role-mismatch': true,
      'organisation-type-restricted': true,
      'organisation-restricted': true,
      'no-record': true,
      'no-version': true,
      'past-appointment': true,
      'cancelled-not-amendable': true,
      'version-conflict': true,
    };
    expect([...raised].sort()).toEqual(Object.keys(all).sort());
  });
});
