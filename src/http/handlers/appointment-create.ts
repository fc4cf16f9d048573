import { book } from '../../domain/booking.js';
import { readAppointmentForCreate } from '../../fhir/appointment-input.js';
import { bookingProfile } from '../../fhir/appointment-resource.js';
import { appointmentToFhir } from '../../fhir/resources.js';
import type { FhirCall, FhirResult } from '../fhir-types.js';
import { appointmentHeaders, prefersMinimal, renderBeforeCommit } from './appointment-common.js';

/**
 * POST /Appointment: book the referenced slots (seed page; digest §2). A command run through
 * Application.execute: it books in the call's world and returns the answer; execute commits the
 * booking, or takes it back when the answer cannot be written or the commit fails.
 */
export async function createAppointment(call: FhirCall): Promise<FhirResult> {
  const { core, world } = call;
  const request = readAppointmentForCreate(call.body, core.profile, call.nowMs);
  const record = book(request, {
    ...bookingProfile(core.profile),
    directory: core.directory,
    calendar: core.calendar,
    state: world.state,
    nowMs: call.nowMs,
  });
  const result = renderBeforeCommit(
    call,
    {
      status: 201,
      resource: appointmentToFhir(record, core.profile.appointmentProfile),
      headers: appointmentHeaders(record, call.fhirBaseUrl),
      minimal: prefersMinimal(call.headers),
      ...(request.warnings.length > 0 ? { warnings: request.warnings } : {}),
    },
    'Nothing was booked',
  );
  return result;
}
