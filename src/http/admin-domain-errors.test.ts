import { describe, expect, it } from 'vitest';
import { DomainError, type DomainErrorKind, type DomainProblem } from '../domain/errors.js';
import { type AdminCall, adminErrorFor } from './admin-domain-errors.js';

type Row<K extends DomainErrorKind> = [
  problem: Extract<DomainProblem, { kind: K }>,
  call: AdminCall,
  status: number,
  field: string,
  error: string | RegExp,
];

const SLOTS: AdminCall = { route: 'slots' };
const BY_IDS: AdminCall = { route: 'appointments', bySlotIds: true };
const BY_TIMES: AdminCall = { route: 'appointments', bySlotIds: false };
const START = '2026-06-02T09:00:00+01:00';

/** Every kind, with the admin status, the input field it names and the message (today's where the admin API raised it). */
const ROWS: { [K in DomainErrorKind]: Row<K>[] } = {
  'unknown-reference': [
    [
      { kind: 'unknown-reference', resourceType: 'Patient', id: 'nobody' },
      BY_IDS,
      400,
      'patientId',
      'Patient/nobody does not exist in this sandbox (seed or fixtures)',
    ],
    [
      { kind: 'unknown-reference', resourceType: 'Slot', id: 'x', index: 1 },
      BY_IDS,
      400,
      'slotIds[1]',
      'Slot/x is not a slot of any schedule: use an id from GET /_admin/state',
    ],
    [
      { kind: 'unknown-reference', resourceType: 'Slot', id: 'x', index: 0 },
      SLOTS,
      404,
      'slotId',
      'Slot/x is not a slot of any schedule: use an id from GET /_admin/state',
    ],
    [
      { kind: 'unknown-reference', resourceType: 'Location', id: 'l9' },
      BY_IDS,
      400,
      'locationId',
      'Location/l9 does not exist in this sandbox',
    ],
  ],
  'slot-beyond-horizon': [
    [
      { kind: 'slot-beyond-horizon', slotId: 'a', index: 2, lastDate: '2026-06-14' },
      BY_IDS,
      400,
      'slotIds[2]',
      /2026-06-14/,
    ],
  ],
  'mixed-schedules': [
    [
      { kind: 'mixed-schedules', slotId: 'b', index: 1, scheduleId: 's2', firstScheduleId: 's1' },
      BY_IDS,
      400,
      'slotIds[1]',
      'Slot/b is on Schedule/s2, but slotIds[0] is on Schedule/s1',
    ],
  ],
  'slot-not-future': [
    [
      { kind: 'slot-not-future', slotId: 'a', index: 0, start: START },
      BY_TIMES,
      400,
      'start',
      /not in the future/,
    ],
  ],
  'schedule-not-bookable': [
    [
      { kind: 'schedule-not-bookable', slotId: 'a', index: 1, scheduleId: 's3' },
      BY_TIMES,
      400,
      'end',
      /Schedule\/s3/,
    ],
  ],
  'not-adjacent': [
    [
      {
        kind: 'not-adjacent',
        slotId: 'b',
        index: 1,
        start: '2026-06-02T09:30:00+01:00',
        previousSlotId: 'a',
        previousEnd: '2026-06-02T09:10:00+01:00',
        scheduleId: 's1',
      },
      BY_IDS,
      400,
      'slotIds',
      'Slot/b does not follow on from Slot/a: the slots must be adjacent',
    ],
    [
      {
        kind: 'not-adjacent',
        slotId: 'b',
        index: 1,
        start: '2026-06-02T09:30:00+01:00',
        previousSlotId: 'a',
        previousEnd: '2026-06-02T09:10:00+01:00',
        scheduleId: 's1',
      },
      BY_TIMES,
      400,
      'end',
      'Schedule/s1 has no slots between 2026-06-02T09:10:00+01:00 and 2026-06-02T09:30:00+01:00',
    ],
  ],
  'mixed-services': [
    [
      {
        kind: 'mixed-services',
        slotId: 'b',
        index: 1,
        start: START,
        aspect: 'deliveryChannel',
        value: 'Telephone',
        firstSlotId: 'a',
        firstValue: 'In-person',
      },
      BY_IDS,
      400,
      'slotIds[1]',
      /deliveryChannel "Telephone"/,
    ],
  ],
  'slot-taken': [
    [
      { kind: 'slot-taken', slotId: 'a', index: 1, start: START, heldBy: '1' },
      BY_IDS,
      409,
      'slotIds[1]',
      `Slot/a (${START}) is already held by Appointment/1`,
    ],
    [
      { kind: 'slot-taken', slotId: 'a', index: 0, start: START },
      BY_TIMES,
      409,
      'start',
      `Slot/a (${START}) is held busy by the practice: free it first (POST /_admin/slots)`,
    ],
    [
      { kind: 'slot-taken', slotId: 'b', index: 1, start: START },
      BY_TIMES,
      409,
      'end',
      `Slot/b (${START}) is held busy by the practice: free it first (POST /_admin/slots)`,
    ],
    [
      { kind: 'slot-taken', slotId: 'a', index: 0, start: START, heldBy: '3' },
      SLOTS,
      409,
      'slotId',
      'Slot/a is held by Appointment/3: cancel that appointment (PUT /Appointment/3) to free it',
    ],
  ],
  'start-mismatch': [
    [
      { kind: 'start-mismatch', given: 'x', slotId: 'a', slotStart: START },
      BY_TIMES,
      400,
      'start',
      /start x/,
    ],
  ],
  'end-mismatch': [
    [{ kind: 'end-mismatch', given: 'x', slotId: 'a', slotEnd: START }, BY_TIMES, 400, 'end', /end x/],
  ],
  'duration-mismatch': [
    [{ kind: 'duration-mismatch', given: 15, minutes: 10 }, BY_TIMES, 400, 'end', /15 minutes/],
  ],
  'location-not-schedule': [
    [
      { kind: 'location-not-schedule', locationId: 'l2', scheduleId: 's1', scheduleLocationId: 'l1' },
      BY_TIMES,
      400,
      'scheduleId',
      /Location\/l2/,
    ],
  ],
  'practitioner-not-schedule': [
    [
      { kind: 'practitioner-not-schedule', practitionerId: 'p2' },
      BY_TIMES,
      400,
      'scheduleId',
      /Practitioner\/p2/,
    ],
  ],
  'channel-mismatch': [
    [
      { kind: 'channel-mismatch', given: 'Video', slotChannel: 'In-person' },
      BY_TIMES,
      400,
      'scheduleId',
      /"Video"/,
    ],
  ],
  'role-mismatch': [
    [
      { kind: 'role-mismatch', given: 'R0270', roleCode: 'R0260', roleDisplay: 'GP' },
      BY_TIMES,
      400,
      'scheduleId',
      /"R0270"/,
    ],
  ],
  'organisation-type-restricted': [
    [
      { kind: 'organisation-type-restricted', orgType: 'urgent-care' },
      BY_TIMES,
      400,
      'scheduleId',
      /urgent-care/,
    ],
  ],
  'organisation-restricted': [
    [
      { kind: 'organisation-restricted', odsCode: 'A11111', given: 'A99999' },
      BY_TIMES,
      400,
      'scheduleId',
      /A11111/,
    ],
  ],
  'no-record': [[{ kind: 'no-record', appointmentId: '7' }, BY_IDS, 404, 'id', /Appointment\/7/]],
  'no-version': [
    [
      { kind: 'no-version', appointmentId: '7', versionId: '9', versions: ['1'] },
      BY_IDS,
      404,
      'versionId',
      /"9"/,
    ],
  ],
  'past-appointment': [
    [
      { kind: 'past-appointment', appointmentId: '7', operation: 'amend', startMs: 0, nowMs: 1 },
      BY_IDS,
      400,
      'id',
      /not in the future/,
    ],
  ],
  'cancelled-not-amendable': [
    [{ kind: 'cancelled-not-amendable', appointmentId: '7' }, BY_IDS, 400, 'status', /cancelled/],
  ],
  'version-conflict': [
    [
      { kind: 'version-conflict', appointmentId: '7', currentVersion: '2', sent: '1' },
      BY_IDS,
      409,
      'versionId',
      /version 2/,
    ],
  ],
};

describe('the admin face of DomainErrors', () => {
  it.each(
    (Object.values(ROWS).flat() as Row<DomainErrorKind>[]).map(
      (row) => [`${row[0].kind} on ${JSON.stringify(row[1])}`, ...row] as const,
    ),
  )('%s: status, field and message', (_title, problem, call, status, field, message) => {
    const error = adminErrorFor(new DomainError(problem), call);
    expect(error.status).toBe(status);
    expect(error.field).toBe(field);
    if (typeof message === 'string') expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
  });
});
