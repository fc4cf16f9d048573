import type { BookingRequest } from '../fhir/appointment-input.js';
import { SpineError } from '../fhir/operation-outcome.js';
import { EXTENSION_URL } from '../fhir/profiles.js';
import { channelExtension, roleExtension } from '../fhir/resources.js';
import type { Profile } from '../profiles/index.js';
import type { Directory } from './directory.js';
import { formatLondon } from './london-time.js';
import type { AppointmentRecord, Patient, Schedule, Slot } from './model.js';
import { type SlotService, slotService } from './slot-service.js';
import type { SlotCalendar } from './slots.js';
import type { SandboxState } from './state.js';

/** What booking needs from a world: the shared seed and calendar, this world's state, now. */
export interface BookingContext {
  profile: Profile;
  directory: Directory;
  calendar: SlotCalendar;
  state: SandboxState;
  nowMs: number;
}

/** Example ids consumers forget to replace (the seed page uses Slot/1 and Patient/1). */
const EXAMPLE_IDS = new Set(['1', '123123', '1001', '1002', '2', '17', '3']);

export function findPatient(
  ctx: Pick<BookingContext, 'directory' | 'state'>,
  id: string,
): Patient | undefined {
  return ctx.directory.patients.get(id) ?? ctx.state.fixturePatients.get(id);
}

function notFound(path: string, reference: string, hint: string): SpineError {
  const id = reference.split('/')[1] ?? '';
  const placeholder = EXAMPLE_IDS.has(id) ? ` "${reference}" looks like the example's placeholder.` : '';
  return new SpineError(
    'REFERENCE_NOT_FOUND',
    `${path} "${reference}" does not exist in this sandbox.${placeholder} ${hint}`,
  );
}

/** Resolve and check the request's slots: they exist, are offered, free, adjacent on one schedule. */
export function resolveSlots(
  request: BookingRequest,
  ctx: BookingContext,
): { slots: Slot[]; schedule: Schedule } {
  const slots = request.slotIds.map((id, i) => {
    const slot = ctx.calendar.get(id);
    if (!slot)
      throw notFound(
        `slot[${i}].reference`,
        `Slot/${id}`,
        'Search for free slots (GET /Slot?...) and use an id from the result.',
      );
    return slot;
  });
  const { lastDate } = ctx.calendar.horizon(ctx.nowMs);
  slots.forEach((slot, i) => {
    if (slot.start.slice(0, 10) > lastDate) {
      throw notFound(
        `slot[${i}].reference`,
        `Slot/${slot.id}`,
        `Slots are offered up to ${lastDate}; search for free slots and use an id from the result.`,
      );
    }
  });
  const scheduleId = slots[0]!.scheduleId;
  const schedule = ctx.directory.schedules.get(scheduleId)!;
  slots.forEach((slot, i) => {
    if (slot.scheduleId !== scheduleId) {
      throw new SpineError(
        'INVALID_RESOURCE',
        `slot[${i}].reference "Slot/${slot.id}" is on Schedule/${slot.scheduleId}, but slot[0] is on Schedule/${scheduleId}: slots booked together must share one schedule`,
      );
    }
    if (slot.startMs <= ctx.nowMs) {
      throw new SpineError(
        'INVALID_RESOURCE',
        `slot[${i}].reference "Slot/${slot.id}" starts at ${slot.start}, which is not in the future`,
      );
    }
    if (!schedule.pattern.bookable) {
      throw new SpineError(
        'INVALID_RESOURCE',
        `slot[${i}].reference "Slot/${slot.id}" is not offered for GP Connect booking at this practice`,
      );
    }
  });
  const sorted = [...slots].sort((a, b) => a.startMs - b.startMs);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.startMs !== sorted[i - 1]!.endMs) {
      throw new SpineError(
        'INVALID_RESOURCE',
        `Slot/${sorted[i]!.id} (${sorted[i]!.start}) does not follow on from Slot/${sorted[i - 1]!.id}, which ends at ${sorted[i - 1]!.end}: several slots book together only when adjacent`,
      );
    }
  }
  checkSameService(sorted, schedule);
  return { slots: sorted, schedule };
}

/**
 * Slots booked together must share the delivery channel and (since 1.2.7) the slot type: GP Connect
 * 1.2.7 book an appointment, "Booking multiple adjacent slots"; 422 INVALID_RESOURCE.
 */
function checkSameService(slots: Slot[], schedule: Schedule): void {
  const first = slotService(schedule, slots[0]!);
  for (const slot of slots.slice(1)) {
    const service = slotService(schedule, slot);
    const differs =
      service.deliveryChannel !== first.deliveryChannel
        ? `delivery channel "${service.deliveryChannel}", but Slot/${slots[0]!.id} is "${first.deliveryChannel}"`
        : service.serviceType !== first.serviceType
          ? `slot type (serviceType) "${service.serviceType}", but Slot/${slots[0]!.id} is "${first.serviceType}"`
          : undefined;
    if (differs) {
      throw new SpineError(
        'INVALID_RESOURCE',
        `Slot/${slot.id} (${slot.start}) has the ${differs}: adjacent slots book together only when they share delivery channel and slot type`,
      );
    }
  }
}

function checkTimes(request: BookingRequest, slots: Slot[]): void {
  const first = slots[0]!;
  const last = slots[slots.length - 1]!;
  if (request.startMs !== undefined && request.startMs !== first.startMs) {
    throw new SpineError(
      'INVALID_RESOURCE',
      `start "${request.start}" does not match Slot/${first.id}, which starts at ${first.start}: start must be the first slot's start`,
    );
  }
  if (request.endMs !== undefined && request.endMs !== last.endMs) {
    throw new SpineError(
      'INVALID_RESOURCE',
      `end "${request.end}" does not match Slot/${last.id}, which ends at ${last.end}: end must be the last slot's end`,
    );
  }
  if (request.minutesDuration !== undefined) {
    const minutes = (last.endMs - first.startMs) / 60_000;
    if (request.minutesDuration !== minutes) {
      throw new SpineError(
        'INVALID_RESOURCE',
        `minutesDuration is ${request.minutesDuration}, but the slots last ${minutes} minutes`,
      );
    }
  }
}

/** GP Connect 1.2.7 rules tying the request to the schedule and the slot availability matrix. */
function checkGpConnectRules(
  request: BookingRequest,
  schedule: Schedule,
  service: SlotService,
  ctx: BookingContext,
): void {
  const locationRef = `Location/${request.locationId}`;
  if (!ctx.directory.locations.has(request.locationId!)) {
    throw notFound(
      'participant Location',
      locationRef,
      "Use the Location of the slot's schedule (GET /Slot with _include:recurse=Schedule:actor:Location).",
    );
  }
  if (request.locationId !== schedule.locationId) {
    throw new SpineError(
      'INVALID_RESOURCE',
      `participant ${locationRef} is not the Location of the slot's schedule (Schedule/${schedule.id} is at Location/${schedule.locationId})`,
    );
  }
  if (request.practitionerId !== undefined) {
    if (!ctx.directory.practitioners.has(request.practitionerId)) {
      throw notFound(
        'participant Practitioner',
        `Practitioner/${request.practitionerId}`,
        "Use the Practitioner of the slot's schedule, or leave it out.",
      );
    }
    if (request.practitionerId !== schedule.practitionerId) {
      throw new SpineError(
        'INVALID_RESOURCE',
        `participant Practitioner/${request.practitionerId} is not the Practitioner of the slot's schedule (${schedule.practitionerId ? `Practitioner/${schedule.practitionerId}` : 'none'})`,
      );
    }
  }
  if (request.deliveryChannel !== undefined && request.deliveryChannel !== service.deliveryChannel) {
    throw new SpineError(
      'INVALID_RESOURCE',
      `the delivery channel extension says "${request.deliveryChannel}", but the slots are "${service.deliveryChannel}": send the slot's value or leave the extension out`,
    );
  }
  if (
    request.practitionerRoleCode !== undefined &&
    request.practitionerRoleCode !== schedule.practitionerRole.code
  ) {
    throw new SpineError(
      'INVALID_RESOURCE',
      `the practitioner role extension says "${request.practitionerRoleCode}", but the schedule's role is "${schedule.practitionerRole.code}" (${schedule.practitionerRole.display})`,
    );
  }
  const restriction = schedule.pattern.restriction;
  const org = request.bookingOrganisation!;
  if (restriction?.orgType && restriction.orgType !== org.type) {
    throw new SpineError(
      'INVALID_RESOURCE',
      `the slots are offered only to ${restriction.orgType} organisations; the booking organisation's type is ${org.type ? `"${org.type}"` : 'not given (send the type you used as searchFilter)'}`,
    );
  }
  if (restriction?.odsCode && restriction.odsCode !== org.odsCode) {
    throw new SpineError(
      'INVALID_RESOURCE',
      `the slots are offered only to the organisation with ODS code ${restriction.odsCode}, not ${org.odsCode}`,
    );
  }
}

/**
 * Check the request against the state and, if it holds, book it. Everything from the first check
 * to marking the slots busy is synchronous, so no interleaving can book a slot twice.
 */
export function book(request: BookingRequest, ctx: BookingContext): AppointmentRecord {
  const patient = findPatient(ctx, request.patientId);
  if (!patient) {
    throw notFound(
      'participant Patient',
      `Patient/${request.patientId}`,
      'Find the patient first (GET /Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|{nhsNumber}) and use its id.',
    );
  }
  const { slots, schedule } = resolveSlots(request, ctx);
  checkTimes(request, slots);
  if (ctx.profile.booking.matchSchedule)
    checkGpConnectRules(request, schedule, slotService(schedule, slots[0]!), ctx);
  const taken = slots.find((slot) => !ctx.state.isFree(slot.id));
  if (taken) {
    throw new SpineError(
      'DUPLICATE_REJECTED',
      `Slot/${taken.id} (${taken.start}) is no longer free: it was booked after it was returned as free. Search again and pick another slot.`,
    );
  }
  return commitBooking(ctx, patient, slots, schedule, request.body, request, 'gpconnect');
}

/** Build and store the appointment; used by book() and by fixtures and simulated competitors. */
export function commitBooking(
  ctx: BookingContext,
  patient: Patient,
  slots: Slot[],
  schedule: Schedule,
  body: Record<string, unknown>,
  request: Pick<BookingRequest, 'created'>,
  origin: AppointmentRecord['origin'],
): AppointmentRecord {
  const first = slots[0]!;
  const last = slots[slots.length - 1]!;
  const resource: Record<string, unknown> = { ...body, resourceType: 'Appointment', status: 'booked' };
  resource['start'] = first.start;
  resource['end'] = last.end;
  resource['created'] = request.created ?? formatLondon(Math.floor(ctx.nowMs / 1000) * 1000);
  resource['slot'] = slots.map((s) => ({ reference: `Slot/${s.id}` }));
  if (ctx.profile.booking.fillFromSchedule) {
    const service = slotService(schedule, first);
    const others = (
      Array.isArray(body['extension']) ? (body['extension'] as Array<{ url?: unknown }>) : []
    ).filter((e) => e.url === EXTENSION_URL.bookingOrganisation);
    resource['extension'] = [
      ...others,
      roleExtension(schedule.practitionerRole),
      channelExtension(service.deliveryChannel),
    ];
    resource['serviceCategory'] = { text: schedule.serviceCategory };
    resource['serviceType'] = [{ text: service.serviceType }];
    const participants = Array.isArray(body['participant']) ? [...(body['participant'] as unknown[])] : [];
    if (
      schedule.practitionerId &&
      !participants.some((p) =>
        String((p as { actor?: { reference?: unknown } }).actor?.reference).startsWith('Practitioner/'),
      )
    ) {
      participants.push({
        actor: { reference: `Practitioner/${schedule.practitionerId}` },
        status: 'accepted',
      });
    }
    resource['participant'] = participants;
  }
  const record: AppointmentRecord = {
    id: ctx.state.allocateAppointmentId(),
    versionId: '1',
    lastModifiedMs: ctx.nowMs,
    patientId: patient.id,
    slotIds: slots.map((s) => s.id),
    startMs: first.startMs,
    endMs: last.endMs,
    status: 'booked',
    origin,
    resource,
  };
  ctx.state.put(record);
  return record;
}
