import type { OrganisationType } from './model.js';
import { SandboxError } from './sandbox-error.js';

/**
 * Every rule the domain enforces, as data: one `kind` per rule, with the facts an adapter needs to
 * word it for its audience (fhir/domain-outcome.ts: Spine code, status and a diagnostics sentence
 * naming the FHIR element; http/admin-domain-errors.ts: `{error, field}` for the admin API).
 * Indexes are positions in the caller's list of slots (the request's `slot[]`, the admin input's
 * `slotIds[]`); instants are ISO strings as the slots carry them, or epoch ms where named `…Ms`.
 * Sources: GP Connect 1.2.7 "Book an appointment", "Amend an appointment", "Cancel an appointment"
 * and "Read an appointment" pages.
 */
export type DomainProblem =
  // ---- references a booking makes ----
  /** A referenced Patient, Slot, Location or Practitioner does not exist in this world. */
  | {
      kind: 'unknown-reference';
      resourceType: 'Patient' | 'Slot' | 'Location' | 'Practitioner';
      id: string;
      /** The slot's position, for a Slot. */
      index?: number;
    }
  /** The slot exists but lies beyond the dates offered (the seed's horizon). */
  | { kind: 'slot-beyond-horizon'; slotId: string; index: number; lastDate: string }
  // ---- the slots of one booking ----
  /** Slots booked together must share one schedule. */
  | { kind: 'mixed-schedules'; slotId: string; index: number; scheduleId: string; firstScheduleId: string }
  /** A slot is booked only before it starts. */
  | { kind: 'slot-not-future'; slotId: string; index: number; start: string }
  /** The slot's schedule is not offered for GP Connect booking. */
  | { kind: 'schedule-not-bookable'; slotId: string; index: number; scheduleId: string }
  /** Slots booked together must follow on from each other (`previous…` is the slot before it in time). */
  | {
      kind: 'not-adjacent';
      slotId: string;
      index: number;
      start: string;
      previousSlotId: string;
      previousEnd: string;
      scheduleId: string;
    }
  /** Slots booked together must share delivery channel and (GP Connect 1.2.7) slot type. */
  | {
      kind: 'mixed-services';
      slotId: string;
      index: number;
      start: string;
      aspect: 'deliveryChannel' | 'serviceType';
      value: string;
      firstSlotId: string;
      firstValue: string;
    }
  /** A slot is held: by a booked appointment (`heldBy`), or busy by the practice (no `heldBy`). */
  | { kind: 'slot-taken'; slotId: string; index: number; start: string; heldBy?: string }
  // ---- the request against its slots ----
  /** The appointment's start must be the first slot's start. */
  | { kind: 'start-mismatch'; given: string; slotId: string; slotStart: string }
  /** The appointment's end must be the last slot's end. */
  | { kind: 'end-mismatch'; given: string; slotId: string; slotEnd: string }
  /** The appointment's duration must be the slots' duration. */
  | { kind: 'duration-mismatch'; given: number; minutes: number }
  // ---- GP Connect 1.2.7: the request against the slots' schedule ----
  | { kind: 'location-not-schedule'; locationId: string; scheduleId: string; scheduleLocationId: string }
  | { kind: 'practitioner-not-schedule'; practitionerId: string; schedulePractitionerId?: string }
  | { kind: 'channel-mismatch'; given: string; slotChannel: string }
  | { kind: 'role-mismatch'; given: string; roleCode: string; roleDisplay: string }
  /** The slots are restricted to one organisation type (`given` is the booking organisation's). */
  | { kind: 'organisation-type-restricted'; orgType: OrganisationType; given?: string }
  /** The slots are restricted to one organisation (ODS code). */
  | { kind: 'organisation-restricted'; odsCode: string; given: string }
  // ---- an existing appointment ----
  /** No appointment has the id. */
  | { kind: 'no-record'; appointmentId: string }
  /** The appointment has no such version (`versions` are those it has, oldest first). */
  | { kind: 'no-version'; appointmentId: string; versionId: string; versions: string[] }
  /** A past appointment is not read, amended or cancelled. */
  | {
      kind: 'past-appointment';
      appointmentId: string;
      operation: 'read' | 'amend' | 'cancel';
      startMs: number;
      nowMs: number;
    }
  /** A cancelled appointment cannot be amended (GP Connect 1.2.3 onwards). */
  | { kind: 'cancelled-not-amendable'; appointmentId: string }
  /** The version the client expected (`sent`, as it sent it) is not the current one. */
  | { kind: 'version-conflict'; appointmentId: string; currentVersion: string; sent: string };

export type DomainErrorKind = DomainProblem['kind'];

/** A domain rule refused a change or a read; `problem` says which rule and the facts. */
export class DomainError extends SandboxError {
  constructor(readonly problem: DomainProblem) {
    super('DomainError', `${problem.kind}: ${JSON.stringify(problem)}`);
  }

  get kind(): DomainErrorKind {
    return this.problem.kind;
  }
}
