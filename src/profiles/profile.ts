import type { FhirMediaType, FormatRules } from '../fhir/format.js';
import type { SpineCode } from '../fhir/operation-outcome.js';
import type { EXTENSION_URL } from '../fhir/profiles.js';

/**
 * Elements (FHIR paths of Appointment) a profile can require on a booking, beyond what every
 * profile requires (status "booked", at least one slot, a Patient participant). `meta.profile`
 * must then also hold the profile's `appointmentProfile`; `identifier.system` applies to each
 * identifier sent; `participant.status` to each participant; `extension:bookingOrganisation` is
 * the BookingOrganisation-1 extension with its contained Organization (name, phone, ODS code).
 * A profile that does not require the booking organisation does not read it.
 */
export type RequiredBookingElement =
  | 'meta.profile'
  | 'start'
  | 'end'
  | 'created'
  | 'description'
  | 'identifier.system'
  | 'participant.status'
  | 'extension:bookingOrganisation';

/** Participant actor types a profile can require besides the Patient every booking has. */
export type ParticipantActorType = 'Location' | 'Practitioner' | 'HealthcareService';

/** The GP Connect extensions a booking body may carry, by their key in EXTENSION_URL. */
export type ExtensionName = keyof typeof EXTENSION_URL;

/**
 * What the domain needs from a profile when it books (plain data, no FHIR): whether the booking
 * must match the slot's schedule (Location, Practitioner, delivery channel, practitioner role and
 * the schedule's organisation restriction; GP Connect 1.2.7 "Book an appointment"), and whether the
 * stored appointment is completed from the schedule (practitioner role and delivery channel
 * extensions, serviceCategory, serviceType, the schedule's Practitioner as a participant).
 */
export interface BookingRules {
  readonly matchSchedule: boolean;
  readonly fillFromSchedule: boolean;
}

/**
 * A spec profile: one row per way the emulated specs differ, read by the validators (fhir/), the
 * format negotiation and the domain; no code tests a profile's name. Adding a profile is adding a
 * file that exports one of these and listing it in profiles/index.ts (docs/profiles.md).
 */
export interface Profile<Name extends string = string> {
  /** The `--profile` value. */
  readonly name: Name;
  /** CapabilityStatement.version. */
  readonly version: string;
  /** The Appointment StructureDefinition: meta.profile of every Appointment served. */
  readonly appointmentProfile: string;
  /** HTTP statuses that differ from the catalogue's (e.g. DUPLICATE_REJECTED 422 or 409). */
  readonly statusOverrides: Readonly<Partial<Record<SpineCode, number>>>;
  /** Request body media types read (without parameters), in the order error messages list them. */
  readonly requestContentTypes: readonly FhirMediaType[];
  /** Media types and `_format` short forms the response format negotiation accepts. */
  readonly responseFormats: FormatRules;
  /** Elements a booking must carry (see RequiredBookingElement). */
  readonly required: readonly RequiredBookingElement[];
  /**
   * Top-level Appointment elements a booking must not carry, each with the reason the refusal
   * gives after "{element} must not be sent on a GP Connect booking ".
   */
  readonly forbidden: Readonly<Record<string, string>>;
  readonly participant: {
    /** The participant.status codes a booking may send. */
    readonly statuses: readonly string[];
    /** Actor types a booking must include besides the Patient, checked in this order. */
    readonly requiredActors: readonly ParticipantActorType[];
  };
  /** The extensions a booking may carry: `'any'` keeps unknown ones, a list refuses the others. */
  readonly extensions: 'any' | readonly ExtensionName[];
  /** Longest description and comment in Unicode code points, on book and amend; absent: no limit. */
  readonly textLimits: { readonly description?: number; readonly comment?: number };
  readonly booking: BookingRules;
}
