import type { DomainError, DomainProblem } from '../domain/errors.js';
import { formatLondon } from '../domain/london-time.js';
import { AdminError } from './admin-errors.js';

/**
 * Which admin call broke a domain rule, and how its input named the slots: the fields an error
 * names are that input's (`slotId` for /_admin/slots; `slotIds[i]`, or `start`/`end` when the
 * appointment was given by schedule and times, for /_admin/appointments).
 */
export type AdminCall = { route: 'slots' } | { route: 'appointments'; bySlotIds: boolean };

/**
 * The admin face of the domain's rules: each DomainError kind as `{error, field}` with its status
 * (400 for input that cannot hold, 404 for an unknown slot on /_admin/slots, 409 for a slot held).
 * Kinds only a FHIR request can break (they check FHIR request elements) name the closest admin field.
 */
export function adminErrorFor(error: DomainError, call: AdminCall): AdminError {
  const [status, message, field] = adminOutcome(error.problem, call);
  return new AdminError(status, message, field);
}

type AdminOutcome = [status: number, message: string, field: string | undefined];

function slotField(index: number, call: AdminCall): string {
  if (call.route === 'slots') return 'slotId';
  if (call.bySlotIds) return `slotIds[${index}]`;
  return index === 0 ? 'start' : 'end';
}

function adminOutcome(p: DomainProblem, call: AdminCall): AdminOutcome {
  switch (p.kind) {
    case 'unknown-reference':
      if (p.resourceType === 'Slot') {
        const message = `Slot/${p.id} is not a slot of any schedule: use an id from GET /_admin/state`;
        return call.route === 'slots'
          ? [404, message, 'slotId']
          : [400, message, slotField(p.index ?? 0, call)];
      }
      if (p.resourceType === 'Patient')
        return [400, `Patient/${p.id} does not exist in this sandbox (seed or fixtures)`, 'patientId'];
      return [
        400,
        `${p.resourceType}/${p.id} does not exist in this sandbox`,
        `${p.resourceType.toLowerCase()}Id`,
      ];
    case 'slot-beyond-horizon':
      return [
        400,
        `Slot/${p.slotId} is beyond the dates offered (up to ${p.lastDate})`,
        slotField(p.index, call),
      ];
    case 'mixed-schedules':
      return [
        400,
        `Slot/${p.slotId} is on Schedule/${p.scheduleId}, but slotIds[0] is on Schedule/${p.firstScheduleId}`,
        slotField(p.index, call),
      ];
    case 'slot-not-future':
      return [
        400,
        `Slot/${p.slotId} starts at ${p.start}, which is not in the future`,
        slotField(p.index, call),
      ];
    case 'schedule-not-bookable':
      return [
        400,
        `Slot/${p.slotId} is on Schedule/${p.scheduleId}, which is not offered for GP Connect booking`,
        slotField(p.index, call),
      ];
    case 'not-adjacent':
      return call.route === 'appointments' && !call.bySlotIds
        ? [400, `Schedule/${p.scheduleId} has no slots between ${p.previousEnd} and ${p.start}`, 'end']
        : [
            400,
            `Slot/${p.slotId} does not follow on from Slot/${p.previousSlotId}: the slots must be adjacent`,
            call.route === 'slots' ? 'slotId' : 'slotIds',
          ];
    case 'mixed-services':
      return [
        400,
        `Slot/${p.slotId} has ${p.aspect} "${p.value}", but Slot/${p.firstSlotId} has "${p.firstValue}": slots booked together share it`,
        slotField(p.index, call),
      ];
    case 'slot-taken':
      if (call.route === 'slots')
        return [
          409,
          p.heldBy !== undefined
            ? `Slot/${p.slotId} is held by Appointment/${p.heldBy}: cancel that appointment (PUT /Appointment/${p.heldBy}) to free it`
            : `Slot/${p.slotId} is held busy by the practice`,
          'slotId',
        ];
      return [
        409,
        p.heldBy !== undefined
          ? `Slot/${p.slotId} (${p.start}) is already held by Appointment/${p.heldBy}`
          : `Slot/${p.slotId} (${p.start}) is held busy by the practice: free it first (POST /_admin/slots)`,
        slotField(p.index, call),
      ];
    case 'start-mismatch':
      return [400, `start ${p.given} is not the start of Slot/${p.slotId} (${p.slotStart})`, 'start'];
    case 'end-mismatch':
      return [400, `end ${p.given} is not the end of Slot/${p.slotId} (${p.slotEnd})`, 'end'];
    case 'duration-mismatch':
      return [400, `a duration of ${p.given} minutes is not the slots' ${p.minutes} minutes`, 'end'];
    case 'location-not-schedule':
      return [
        400,
        `Location/${p.locationId} is not the Location of Schedule/${p.scheduleId} (Location/${p.scheduleLocationId})`,
        'scheduleId',
      ];
    case 'practitioner-not-schedule':
      return [
        400,
        `Practitioner/${p.practitionerId} is not the Practitioner of the slots' schedule (${p.schedulePractitionerId ? `Practitioner/${p.schedulePractitionerId}` : 'none'})`,
        'scheduleId',
      ];
    case 'channel-mismatch':
      return [400, `delivery channel "${p.given}" is not the slots' "${p.slotChannel}"`, 'scheduleId'];
    case 'role-mismatch':
      return [
        400,
        `practitioner role "${p.given}" is not the schedule's "${p.roleCode}" (${p.roleDisplay})`,
        'scheduleId',
      ];
    case 'organisation-type-restricted':
      return [400, `the slots are offered only to ${p.orgType} organisations`, 'scheduleId'];
    case 'organisation-restricted':
      return [400, `the slots are offered only to the organisation with ODS code ${p.odsCode}`, 'scheduleId'];
    case 'no-record':
      return [404, `Appointment/${p.appointmentId} does not exist in this world`, 'id'];
    case 'no-version':
      return [
        404,
        `Appointment/${p.appointmentId} has no version "${p.versionId}" (it has ${p.versions.join(', ')})`,
        'versionId',
      ];
    case 'past-appointment':
      return [
        400,
        `Appointment/${p.appointmentId} started at ${formatLondon(p.startMs)}, which is not in the future (sandbox clock ${formatLondon(p.nowMs)})`,
        'id',
      ];
    case 'cancelled-not-amendable':
      return [
        400,
        `Appointment/${p.appointmentId} is cancelled, and a cancelled appointment cannot be amended`,
        'status',
      ];
    case 'version-conflict':
      return [
        409,
        `Appointment/${p.appointmentId} is at version ${p.currentVersion}, not ${p.sent}`,
        'versionId',
      ];
  }
}
