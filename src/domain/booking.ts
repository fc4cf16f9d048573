import type { AppointmentResources } from './appointment-resources.js';
import type { Directory } from './directory.js';
import { DomainError } from './errors.js';
import { formatLondon } from './london-time.js';
import type { AppointmentRecord, Patient, Schedule, Slot } from './model.js';
import { type SlotService, slotService } from './slot-service.js';
import type { SlotCalendar } from './slots.js';
import type { SandboxState } from './state.js';

/**
 * What a consumer asks to book, read from its request by the FHIR layer (fhir/appointment-input.ts):
 * references as ids, times as sent and as epoch ms, and the body to store.
 */
export interface BookingCommand {
  patientId: string;
  slotIds: string[];
  locationId?: string;
  practitionerId?: string;
  startMs?: number;
  endMs?: number;
  start?: string;
  end?: string;
  /** The creation instant as stored (UK local time with offset); now when absent. */
  created?: string;
  minutesDuration?: number;
  deliveryChannel?: string;
  practitionerRoleCode?: string;
  bookingOrganisation?: { odsCode: string; type?: string };
  /** The body as sent, minus what the provider owns. */
  body: Record<string, unknown>;
}

/** Which booking rules apply: plain data from the spec profile (profiles/*.ts). */
export interface BookingRules {
  /**
   * GP Connect 1.2.7 "Book an appointment": the request's Location, Practitioner, delivery channel,
   * practitioner role and booking organisation must match the slots' schedule.
   */
  matchSchedule: boolean;
}

/** What booking needs from a world: the shared seed and calendar, this world's state, now. */
export interface BookingContext {
  rules: BookingRules;
  /** Writes the stored resource (fhir/appointment-resource.ts). */
  resources: AppointmentResources;
  directory: Directory;
  calendar: SlotCalendar;
  state: SandboxState;
  nowMs: number;
}

export function findPatient(
  ctx: Pick<BookingContext, 'directory' | 'state'>,
  id: string,
): Patient | undefined {
  return ctx.directory.patients.get(id) ?? ctx.state.fixturePatients.get(id);
}

/** The patient with the id, seed or fixture; DomainError unknown-reference when there is none. */
export function patientOf(ctx: Pick<BookingContext, 'directory' | 'state'>, id: string): Patient {
  const patient = findPatient(ctx, id);
  if (!patient) throw new DomainError({ kind: 'unknown-reference', resourceType: 'Patient', id });
  return patient;
}

/** The generated slot with the id; DomainError unknown-reference naming its position `index`. */
export function slotOf(calendar: SlotCalendar, id: string, index: number): Slot {
  const slot = calendar.get(id);
  if (!slot) throw new DomainError({ kind: 'unknown-reference', resourceType: 'Slot', id, index });
  return slot;
}

/** Slots booked together share one schedule: DomainError mixed-schedules for `slot` unless it is `first`'s. */
export function checkSameSchedule(slot: Slot, index: number, first: Slot): void {
  if (slot.scheduleId !== first.scheduleId) {
    throw new DomainError({
      kind: 'mixed-schedules',
      slotId: slot.id,
      index,
      scheduleId: slot.scheduleId,
      firstScheduleId: first.scheduleId,
    });
  }
}

/**
 * The slots in time order, each following on from the one before: several slots book together
 * only when adjacent (GP Connect 1.2.7 book an appointment, "Booking multiple adjacent slots").
 * DomainError not-adjacent names the first slot that does not follow on, by its position in `slots`.
 */
export function adjacentInOrder(slots: readonly Slot[]): Slot[] {
  const sorted = [...slots].sort((a, b) => a.startMs - b.startMs);
  for (let i = 1; i < sorted.length; i++) {
    const slot = sorted[i]!;
    const previous = sorted[i - 1]!;
    if (slot.startMs !== previous.endMs) {
      throw new DomainError({
        kind: 'not-adjacent',
        slotId: slot.id,
        index: slots.indexOf(slot),
        start: slot.start,
        previousSlotId: previous.id,
        previousEnd: previous.end,
        scheduleId: slot.scheduleId,
      });
    }
  }
  return sorted;
}

/**
 * Every slot is free: held neither by a booked appointment nor busy by the practice. DomainError
 * slot-taken names the first held one (in the order given) by its position in `order`.
 */
export function checkSlotsFree(
  slots: readonly Slot[],
  state: SandboxState,
  order: readonly Slot[] = slots,
): void {
  for (const slot of slots) {
    if (state.isFree(slot.id)) continue;
    const heldBy = state.busy.get(slot.id);
    throw new DomainError({
      kind: 'slot-taken',
      slotId: slot.id,
      index: order.indexOf(slot),
      start: slot.start,
      ...(heldBy !== undefined ? { heldBy } : {}),
    });
  }
}

/** Resolve and check the request's slots: they exist, are offered, free, adjacent on one schedule. */
export function resolveSlots(
  request: Pick<BookingCommand, 'slotIds'>,
  ctx: BookingContext,
): { slots: Slot[]; schedule: Schedule } {
  const slots = request.slotIds.map((id, i) => slotOf(ctx.calendar, id, i));
  const { lastDate } = ctx.calendar.horizon(ctx.nowMs);
  slots.forEach((slot, index) => {
    if (slot.start.slice(0, 10) > lastDate) {
      throw new DomainError({ kind: 'slot-beyond-horizon', slotId: slot.id, index, lastDate });
    }
  });
  const first = slots[0]!;
  const schedule = ctx.directory.schedules.get(first.scheduleId)!;
  slots.forEach((slot, index) => {
    checkSameSchedule(slot, index, first);
    if (slot.startMs <= ctx.nowMs) {
      throw new DomainError({ kind: 'slot-not-future', slotId: slot.id, index, start: slot.start });
    }
    if (!schedule.pattern.bookable) {
      throw new DomainError({
        kind: 'schedule-not-bookable',
        slotId: slot.id,
        index,
        scheduleId: schedule.id,
      });
    }
  });
  const sorted = adjacentInOrder(slots);
  checkSameService(sorted, schedule, slots);
  return { slots: sorted, schedule };
}

/**
 * Slots booked together must share the delivery channel and (since 1.2.7) the slot type: GP Connect
 * 1.2.7 book an appointment, "Booking multiple adjacent slots".
 */
function checkSameService(slots: Slot[], schedule: Schedule, order: readonly Slot[]): void {
  const firstSlot = slots[0]!;
  const first = slotService(schedule, firstSlot);
  for (const slot of slots.slice(1)) {
    const service = slotService(schedule, slot);
    const aspect =
      service.deliveryChannel !== first.deliveryChannel
        ? 'deliveryChannel'
        : service.serviceType !== first.serviceType
          ? 'serviceType'
          : undefined;
    if (aspect) {
      throw new DomainError({
        kind: 'mixed-services',
        slotId: slot.id,
        index: order.indexOf(slot),
        start: slot.start,
        aspect,
        value: service[aspect],
        firstSlotId: firstSlot.id,
        firstValue: first[aspect],
      });
    }
  }
}

function checkTimes(request: BookingCommand, slots: Slot[]): void {
  const first = slots[0]!;
  const last = slots[slots.length - 1]!;
  if (request.startMs !== undefined && request.startMs !== first.startMs) {
    throw new DomainError({
      kind: 'start-mismatch',
      given: request.start ?? '',
      slotId: first.id,
      slotStart: first.start,
    });
  }
  if (request.endMs !== undefined && request.endMs !== last.endMs) {
    throw new DomainError({
      kind: 'end-mismatch',
      given: request.end ?? '',
      slotId: last.id,
      slotEnd: last.end,
    });
  }
  if (request.minutesDuration !== undefined) {
    const minutes = (last.endMs - first.startMs) / 60_000;
    if (request.minutesDuration !== minutes) {
      throw new DomainError({ kind: 'duration-mismatch', given: request.minutesDuration, minutes });
    }
  }
}

/** GP Connect 1.2.7 rules tying the request to the schedule and the slot availability matrix. */
function checkScheduleRules(
  request: BookingCommand,
  schedule: Schedule,
  service: SlotService,
  ctx: BookingContext,
): void {
  if (!ctx.directory.locations.has(request.locationId!)) {
    throw new DomainError({ kind: 'unknown-reference', resourceType: 'Location', id: request.locationId! });
  }
  if (request.locationId !== schedule.locationId) {
    throw new DomainError({
      kind: 'location-not-schedule',
      locationId: request.locationId!,
      scheduleId: schedule.id,
      scheduleLocationId: schedule.locationId,
    });
  }
  if (request.practitionerId !== undefined) {
    if (!ctx.directory.practitioners.has(request.practitionerId)) {
      throw new DomainError({
        kind: 'unknown-reference',
        resourceType: 'Practitioner',
        id: request.practitionerId,
      });
    }
    if (request.practitionerId !== schedule.practitionerId) {
      throw new DomainError({
        kind: 'practitioner-not-schedule',
        practitionerId: request.practitionerId,
        ...(schedule.practitionerId ? { schedulePractitionerId: schedule.practitionerId } : {}),
      });
    }
  }
  if (request.deliveryChannel !== undefined && request.deliveryChannel !== service.deliveryChannel) {
    throw new DomainError({
      kind: 'channel-mismatch',
      given: request.deliveryChannel,
      slotChannel: service.deliveryChannel,
    });
  }
  if (
    request.practitionerRoleCode !== undefined &&
    request.practitionerRoleCode !== schedule.practitionerRole.code
  ) {
    throw new DomainError({
      kind: 'role-mismatch',
      given: request.practitionerRoleCode,
      roleCode: schedule.practitionerRole.code,
      roleDisplay: schedule.practitionerRole.display,
    });
  }
  const restriction = schedule.pattern.restriction;
  const org = request.bookingOrganisation!;
  if (restriction?.orgType && restriction.orgType !== org.type) {
    throw new DomainError({
      kind: 'organisation-type-restricted',
      orgType: restriction.orgType,
      ...(org.type ? { given: org.type } : {}),
    });
  }
  if (restriction?.odsCode && restriction.odsCode !== org.odsCode) {
    throw new DomainError({
      kind: 'organisation-restricted',
      odsCode: restriction.odsCode,
      given: org.odsCode,
    });
  }
}

/**
 * Check the request against the state and, if it holds, book it. Everything from the first check
 * to marking the slots busy is synchronous, so no interleaving can book a slot twice.
 * Throws DomainError for the first rule the request breaks (domain/errors.ts lists them).
 */
export function book(request: BookingCommand, ctx: BookingContext): AppointmentRecord {
  const patient = patientOf(ctx, request.patientId);
  const { slots, schedule } = resolveSlots(request, ctx);
  checkTimes(request, slots);
  if (ctx.rules.matchSchedule) checkScheduleRules(request, schedule, slotService(schedule, slots[0]!), ctx);
  const order = request.slotIds.map((id) => slots.find((s) => s.id === id)!);
  checkSlotsFree(slots, ctx.state, order);
  return commitBooking(ctx, patient, slots, schedule, request.body, request, 'gpconnect');
}

/** Build and store the appointment; used by book() and by fixtures and simulated competitors. */
export function commitBooking(
  ctx: Pick<BookingContext, 'resources' | 'state' | 'nowMs'>,
  patient: Patient,
  slots: Slot[],
  schedule: Schedule,
  body: Record<string, unknown>,
  request: Pick<BookingCommand, 'created'>,
  origin: AppointmentRecord['origin'],
): AppointmentRecord {
  const first = slots[0]!;
  const last = slots[slots.length - 1]!;
  const created = request.created ?? formatLondon(Math.floor(ctx.nowMs / 1000) * 1000);
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
    resource: ctx.resources.booked(body, { slots, schedule, created }),
  };
  ctx.state.put(record);
  return record;
}
