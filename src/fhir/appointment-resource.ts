import type { AppointmentResources } from '../domain/appointment-resources.js';
import type { BookingContext } from '../domain/booking.js';
import { slotService } from '../domain/slot-service.js';
import type { Profile } from '../profiles/index.js';
import { EXTENSION_URL } from './profiles.js';
import { channelExtension, roleExtension } from './resources.js';

/**
 * The stored FHIR Appointment of a booking and of a cancel, for a profile: in gpconnect-1.2.7 the
 * provider adds the practitioner role and delivery channel extensions, serviceCategory, serviceType
 * and the schedule's Practitioner (digest §2.3); the cancellation reason is the
 * GPConnect-AppointmentCancellationReason-1 extension.
 */
export function appointmentResources(profile: Profile): AppointmentResources {
  return {
    booked(body, { slots, schedule, created }) {
      const first = slots[0]!;
      const last = slots[slots.length - 1]!;
      const resource: Record<string, unknown> = { ...body, resourceType: 'Appointment', status: 'booked' };
      resource['start'] = first.start;
      resource['end'] = last.end;
      resource['created'] = created;
      resource['slot'] = slots.map((s) => ({ reference: `Slot/${s.id}` }));
      if (profile.booking.fillFromSchedule) {
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
        const participants = Array.isArray(body['participant'])
          ? [...(body['participant'] as unknown[])]
          : [];
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
      return resource;
    },
    cancelled(resource, reason) {
      const extensions = Array.isArray(resource['extension']) ? (resource['extension'] as unknown[]) : [];
      return {
        ...resource,
        status: 'cancelled',
        ...(reason !== undefined
          ? { extension: [...extensions, { url: EXTENSION_URL.cancellationReason, valueString: reason }] }
          : {}),
      };
    },
  };
}

/**
 * What booking takes from the profile: which rules apply (GP Connect 1.2.7's schedule rules when
 * the profile books strictly) and how the stored resource is written. Spread into a BookingContext.
 */
export function bookingProfile(profile: Profile): Pick<BookingContext, 'rules' | 'resources'> {
  return {
    rules: { matchSchedule: profile.booking.matchSchedule },
    resources: appointmentResources(profile),
  };
}
