import type { Schedule, Slot } from './model.js';

/**
 * How an appointment's stored resource is written. The domain decides what an appointment is
 * (its slots, times, status); the resource it keeps is the wire form, written by the FHIR layer
 * (fhir/appointment-resource.ts), so nothing here names an element or an extension URL.
 */
export interface AppointmentResources {
  /**
   * The resource of a new booking: the body as sent (or built for a fixture) plus what the
   * provider owns. `created` is the creation instant as stored (UK local time with offset).
   */
  booked(
    body: Record<string, unknown>,
    booking: { slots: readonly Slot[]; schedule: Schedule; created: string },
  ): Record<string, unknown>;
  /** The resource with status cancelled and, when given, the cancellation reason. */
  cancelled(resource: Record<string, unknown>, reason: string | undefined): Record<string, unknown>;
}
