import { describe, expect, it } from 'vitest';
import { DomainError, type DomainErrorKind, type DomainProblem } from '../domain/errors.js';
import { PROFILES, statusFor } from '../profiles/index.js';
import { spineErrorFor } from './domain-outcome.js';
import type { SpineCode } from './operation-outcome.js';

type Case<K extends DomainErrorKind> = [Extract<DomainProblem, { kind: K }>, SpineCode, string];

/**
 * Every kind, with the Spine code and the diagnostics a consumer got before the domain had errors
 * of its own (the wording is the contract: PTS logs and consumer tests quote it).
 */
const CASES: { [K in DomainErrorKind]: Case<K>[] } = {
  'unknown-reference': [
    [
      { kind: 'unknown-reference', resourceType: 'Patient', id: 'x9' },
      'REFERENCE_NOT_FOUND',
      'participant Patient "Patient/x9" does not exist in this sandbox. Find the patient first (GET /Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|{nhsNumber}) and use its id.',
    ],
    [
      { kind: 'unknown-reference', resourceType: 'Slot', id: '1', index: 2 },
      'REFERENCE_NOT_FOUND',
      'slot[2].reference "Slot/1" does not exist in this sandbox. "Slot/1" looks like the example\'s placeholder. Search for free slots (GET /Slot?...) and use an id from the result.',
    ],
    [
      { kind: 'unknown-reference', resourceType: 'Location', id: 'l9' },
      'REFERENCE_NOT_FOUND',
      'participant Location "Location/l9" does not exist in this sandbox. Use the Location of the slot\'s schedule (GET /Slot with _include:recurse=Schedule:actor:Location).',
    ],
    [
      { kind: 'unknown-reference', resourceType: 'Practitioner', id: 'p9' },
      'REFERENCE_NOT_FOUND',
      'participant Practitioner "Practitioner/p9" does not exist in this sandbox. Use the Practitioner of the slot\'s schedule, or leave it out.',
    ],
  ],
  'slot-beyond-horizon': [
    [
      { kind: 'slot-beyond-horizon', slotId: 's1-202607010900', index: 0, lastDate: '2026-06-14' },
      'REFERENCE_NOT_FOUND',
      'slot[0].reference "Slot/s1-202607010900" does not exist in this sandbox. Slots are offered up to 2026-06-14; search for free slots and use an id from the result.',
    ],
  ],
  'mixed-schedules': [
    [
      { kind: 'mixed-schedules', slotId: 's2-a', index: 1, scheduleId: 's2', firstScheduleId: 's1' },
      'INVALID_RESOURCE',
      'slot[1].reference "Slot/s2-a" is on Schedule/s2, but slot[0] is on Schedule/s1: slots booked together must share one schedule',
    ],
  ],
  'slot-not-future': [
    [
      { kind: 'slot-not-future', slotId: 's1-a', index: 0, start: '2026-06-01T09:00:00+01:00' },
      'INVALID_RESOURCE',
      'slot[0].reference "Slot/s1-a" starts at 2026-06-01T09:00:00+01:00, which is not in the future',
    ],
  ],
  'schedule-not-bookable': [
    [
      { kind: 'schedule-not-bookable', slotId: 's3-a', index: 0, scheduleId: 's3' },
      'INVALID_RESOURCE',
      'slot[0].reference "Slot/s3-a" is not offered for GP Connect booking at this practice',
    ],
  ],
  'not-adjacent': [
    [
      {
        kind: 'not-adjacent',
        slotId: 'b',
        index: 0,
        start: '2026-06-02T09:30:00+01:00',
        previousSlotId: 'a',
        previousEnd: '2026-06-02T09:10:00+01:00',
        scheduleId: 's1',
      },
      'INVALID_RESOURCE',
      'Slot/b (2026-06-02T09:30:00+01:00) does not follow on from Slot/a, which ends at 2026-06-02T09:10:00+01:00: several slots book together only when adjacent',
    ],
  ],
  'mixed-services': [
    [
      {
        kind: 'mixed-services',
        slotId: 'b',
        index: 1,
        start: '2026-06-02T10:00:00+01:00',
        aspect: 'deliveryChannel',
        value: 'Telephone',
        firstSlotId: 'a',
        firstValue: 'In-person',
      },
      'INVALID_RESOURCE',
      'Slot/b (2026-06-02T10:00:00+01:00) has the delivery channel "Telephone", but Slot/a is "In-person": adjacent slots book together only when they share delivery channel and slot type',
    ],
    [
      {
        kind: 'mixed-services',
        slotId: 'b',
        index: 1,
        start: '2026-06-02T10:00:00+01:00',
        aspect: 'serviceType',
        value: 'Review',
        firstSlotId: 'a',
        firstValue: 'General',
      },
      'INVALID_RESOURCE',
      'Slot/b (2026-06-02T10:00:00+01:00) has the slot type (serviceType) "Review", but Slot/a is "General": adjacent slots book together only when they share delivery channel and slot type',
    ],
  ],
  'slot-taken': [
    [
      { kind: 'slot-taken', slotId: 'a', index: 0, start: '2026-06-02T09:00:00+01:00', heldBy: '4' },
      'DUPLICATE_REJECTED',
      'Slot/a (2026-06-02T09:00:00+01:00) is no longer free: it was booked after it was returned as free. Search again and pick another slot.',
    ],
  ],
  'start-mismatch': [
    [
      {
        kind: 'start-mismatch',
        given: '2026-06-02T09:05:00+01:00',
        slotId: 'a',
        slotStart: '2026-06-02T09:00:00+01:00',
      },
      'INVALID_RESOURCE',
      'start "2026-06-02T09:05:00+01:00" does not match Slot/a, which starts at 2026-06-02T09:00:00+01:00: start must be the first slot\'s start',
    ],
  ],
  'end-mismatch': [
    [
      {
        kind: 'end-mismatch',
        given: '2026-06-02T09:20:00+01:00',
        slotId: 'a',
        slotEnd: '2026-06-02T09:10:00+01:00',
      },
      'INVALID_RESOURCE',
      'end "2026-06-02T09:20:00+01:00" does not match Slot/a, which ends at 2026-06-02T09:10:00+01:00: end must be the last slot\'s end',
    ],
  ],
  'duration-mismatch': [
    [
      { kind: 'duration-mismatch', given: 15, minutes: 10 },
      'INVALID_RESOURCE',
      'minutesDuration is 15, but the slots last 10 minutes',
    ],
  ],
  'location-not-schedule': [
    [
      { kind: 'location-not-schedule', locationId: 'l2', scheduleId: 's1', scheduleLocationId: 'l1' },
      'INVALID_RESOURCE',
      "participant Location/l2 is not the Location of the slot's schedule (Schedule/s1 is at Location/l1)",
    ],
  ],
  'practitioner-not-schedule': [
    [
      { kind: 'practitioner-not-schedule', practitionerId: 'p2', schedulePractitionerId: 'p1' },
      'INVALID_RESOURCE',
      "participant Practitioner/p2 is not the Practitioner of the slot's schedule (Practitioner/p1)",
    ],
    [
      { kind: 'practitioner-not-schedule', practitionerId: 'p2' },
      'INVALID_RESOURCE',
      "participant Practitioner/p2 is not the Practitioner of the slot's schedule (none)",
    ],
  ],
  'channel-mismatch': [
    [
      { kind: 'channel-mismatch', given: 'Video', slotChannel: 'In-person' },
      'INVALID_RESOURCE',
      'the delivery channel extension says "Video", but the slots are "In-person": send the slot\'s value or leave the extension out',
    ],
  ],
  'role-mismatch': [
    [
      {
        kind: 'role-mismatch',
        given: 'R0270',
        roleCode: 'R0260',
        roleDisplay: 'General Medical Practitioner',
      },
      'INVALID_RESOURCE',
      'the practitioner role extension says "R0270", but the schedule\'s role is "R0260" (General Medical Practitioner)',
    ],
  ],
  'organisation-type-restricted': [
    [
      { kind: 'organisation-type-restricted', orgType: 'urgent-care', given: 'gp-practice' },
      'INVALID_RESOURCE',
      'the slots are offered only to urgent-care organisations; the booking organisation\'s type is "gp-practice"',
    ],
    [
      { kind: 'organisation-type-restricted', orgType: 'urgent-care' },
      'INVALID_RESOURCE',
      "the slots are offered only to urgent-care organisations; the booking organisation's type is not given (send the type you used as searchFilter)",
    ],
  ],
  'organisation-restricted': [
    [
      { kind: 'organisation-restricted', odsCode: 'A11111', given: 'A99999' },
      'INVALID_RESOURCE',
      'the slots are offered only to the organisation with ODS code A11111, not A99999',
    ],
  ],
  'no-record': [
    [
      { kind: 'no-record', appointmentId: '7' },
      'NO_RECORD_FOUND',
      'Appointment/7 does not exist in this sandbox',
    ],
  ],
  'no-version': [
    [
      { kind: 'no-version', appointmentId: '7', versionId: '9', versions: ['1', '2'] },
      'NO_RECORD_FOUND',
      'Appointment/7 has no version "9": its versions are 1, 2 (the current one is 2)',
    ],
    [
      { kind: 'no-version', appointmentId: '7', versionId: '1', versions: ['3'] },
      'NO_RECORD_FOUND',
      'Appointment/7 has no version "1": its versions are 3 (the current one is 3); its earlier versions were written before this sandbox kept them',
    ],
  ],
  'past-appointment': [
    [
      {
        kind: 'past-appointment',
        appointmentId: '7',
        operation: 'read',
        startMs: Date.parse('2026-06-02T08:00:00Z'),
        nowMs: Date.parse('2026-06-03T00:00:00Z'),
      },
      'NO_RECORD_FOUND',
      'Appointment/7 is not returned: it started at 2026-06-02T09:00:00+01:00, which is not in the future (sandbox clock 2026-06-03T01:00:00+01:00); GP Connect providers serve only future appointments',
    ],
    [
      {
        kind: 'past-appointment',
        appointmentId: '7',
        operation: 'amend',
        startMs: Date.parse('2026-06-02T08:00:00Z'),
        nowMs: Date.parse('2026-06-03T00:00:00Z'),
      },
      'INVALID_RESOURCE',
      'Appointment/7 cannot be amended: it started at 2026-06-02T09:00:00+01:00, which is not in the future (sandbox clock 2026-06-03T01:00:00+01:00); GP Connect providers serve only future appointments',
    ],
    [
      {
        kind: 'past-appointment',
        appointmentId: '7',
        operation: 'cancel',
        startMs: Date.parse('2026-06-02T08:00:00Z'),
        nowMs: Date.parse('2026-06-03T00:00:00Z'),
      },
      'INVALID_RESOURCE',
      'Appointment/7 cannot be cancelled: it started at 2026-06-02T09:00:00+01:00, which is not in the future (sandbox clock 2026-06-03T01:00:00+01:00); GP Connect providers serve only future appointments',
    ],
  ],
  'cancelled-not-amendable': [
    [
      { kind: 'cancelled-not-amendable', appointmentId: '7' },
      'INVALID_RESOURCE',
      'Appointment/7 is cancelled, and a cancelled appointment cannot be amended (GP Connect 1.2.3 onwards)',
    ],
  ],
  'version-conflict': [
    [
      { kind: 'version-conflict', appointmentId: '7', currentVersion: '2', sent: 'W/"1"' },
      'FHIR_CONSTRAINT_VIOLATION',
      'If-Match "W/\\"1\\"" does not match the current version of Appointment/7, W/"2": it changed since you read it. Read it again, reapply your change, and PUT it with the new ETag',
    ],
  ],
};

const ROWS = Object.values(CASES).flat() as Case<DomainErrorKind>[];

describe('the FHIR face of DomainErrors', () => {
  it.each(ROWS.map((row) => [`${row[0].kind} (${row[2].slice(0, 40)}…)`, ...row] as const))(
    '%s: its Spine code and diagnostics',
    (_title, problem, code, diagnostics) => {
      const error = spineErrorFor(new DomainError(problem));
      expect(error.code).toBe(code);
      expect(error.diagnostics).toBe(diagnostics);
      // The status is the profile's for the code, as for any SpineError.
      expect(error.status).toBeUndefined();
    },
  );

  it.each([
    ['gpconnect-1.2.7', 'slot-taken', 409],
    ['careconnect', 'slot-taken', 422],
    ['gpconnect-1.2.7', 'unknown-reference', 422],
    ['careconnect', 'mixed-schedules', 422],
    ['gpconnect-1.2.7', 'no-record', 404],
    ['careconnect', 'version-conflict', 409],
  ] as const)('answers %s %s with %i', (profile, kind, status) => {
    const [problem] = CASES[kind][0]!;
    expect(statusFor(PROFILES[profile], spineErrorFor(new DomainError(problem)).code)).toBe(status);
  });
});
