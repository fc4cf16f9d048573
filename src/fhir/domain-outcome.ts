import type { DomainError, DomainProblem } from '../domain/errors.js';
import { formatLondon } from '../domain/london-time.js';
import { describe } from './json-shape.js';
import { SpineError } from './operation-outcome.js';

/**
 * The FHIR face of the domain's rules: each DomainError kind as the SpineError a GP Connect consumer
 * gets, its Spine code (status from the catalogue and the profile) and a diagnostics sentence naming
 * the request element at fault (`slot[1].reference`, `participant Location`, `start`...).
 * Codes: GP Connect 1.2.7 error handling page (REFERENCE_NOT_FOUND and INVALID_RESOURCE 422,
 * DUPLICATE_REJECTED for a slot booked meanwhile, NO_RECORD_FOUND 404, FHIR_CONSTRAINT_VIOLATION 409).
 */
export function spineErrorFor(error: DomainError): SpineError {
  const [code, diagnostics] = outcomeOf(error.problem);
  return new SpineError(code, diagnostics);
}

/** Example ids consumers forget to replace (the seed page uses Slot/1 and Patient/1). */
const EXAMPLE_IDS = new Set(['1', '123123', '1001', '1002', '2', '17', '3']);

function notFound(element: string, reference: string, hint: string): string {
  const id = reference.split('/')[1] ?? '';
  const placeholder = EXAMPLE_IDS.has(id) ? ` "${reference}" looks like the example's placeholder.` : '';
  return `${element} "${reference}" does not exist in this sandbox.${placeholder} ${hint}`;
}

const SEARCH_SLOTS = 'Search for free slots (GET /Slot?...) and use an id from the result.';

const REFERENCE_HINTS = {
  Patient: [
    'participant Patient',
    'Find the patient first (GET /Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|{nhsNumber}) and use its id.',
  ],
  Location: [
    'participant Location',
    "Use the Location of the slot's schedule (GET /Slot with _include:recurse=Schedule:actor:Location).",
  ],
  Practitioner: ['participant Practitioner', "Use the Practitioner of the slot's schedule, or leave it out."],
} as const;

type Outcome = [SpineError['code'], string];

function outcomeOf(p: DomainProblem): Outcome {
  switch (p.kind) {
    case 'unknown-reference': {
      const reference = `${p.resourceType}/${p.id}`;
      if (p.resourceType === 'Slot')
        return ['REFERENCE_NOT_FOUND', notFound(`slot[${p.index ?? 0}].reference`, reference, SEARCH_SLOTS)];
      const [element, hint] = REFERENCE_HINTS[p.resourceType];
      return ['REFERENCE_NOT_FOUND', notFound(element, reference, hint)];
    }
    case 'slot-beyond-horizon':
      return [
        'REFERENCE_NOT_FOUND',
        notFound(
          `slot[${p.index}].reference`,
          `Slot/${p.slotId}`,
          `Slots are offered up to ${p.lastDate}; search for free slots and use an id from the result.`,
        ),
      ];
    case 'mixed-schedules':
      return [
        'INVALID_RESOURCE',
        `slot[${p.index}].reference "Slot/${p.slotId}" is on Schedule/${p.scheduleId}, but slot[0] is on Schedule/${p.firstScheduleId}: slots booked together must share one schedule`,
      ];
    case 'slot-not-future':
      return [
        'INVALID_RESOURCE',
        `slot[${p.index}].reference "Slot/${p.slotId}" starts at ${p.start}, which is not in the future`,
      ];
    case 'schedule-not-bookable':
      return [
        'INVALID_RESOURCE',
        `slot[${p.index}].reference "Slot/${p.slotId}" is not offered for GP Connect booking at this practice`,
      ];
    case 'not-adjacent':
      return [
        'INVALID_RESOURCE',
        `Slot/${p.slotId} (${p.start}) does not follow on from Slot/${p.previousSlotId}, which ends at ${p.previousEnd}: several slots book together only when adjacent`,
      ];
    case 'mixed-services': {
      const what = p.aspect === 'deliveryChannel' ? 'delivery channel' : 'slot type (serviceType)';
      return [
        'INVALID_RESOURCE',
        `Slot/${p.slotId} (${p.start}) has the ${what} "${p.value}", but Slot/${p.firstSlotId} is "${p.firstValue}": adjacent slots book together only when they share delivery channel and slot type`,
      ];
    }
    case 'slot-taken':
      return [
        'DUPLICATE_REJECTED',
        `Slot/${p.slotId} (${p.start}) is no longer free: it was booked after it was returned as free. Search again and pick another slot.`,
      ];
    case 'start-mismatch':
      return [
        'INVALID_RESOURCE',
        `start "${p.given}" does not match Slot/${p.slotId}, which starts at ${p.slotStart}: start must be the first slot's start`,
      ];
    case 'end-mismatch':
      return [
        'INVALID_RESOURCE',
        `end "${p.given}" does not match Slot/${p.slotId}, which ends at ${p.slotEnd}: end must be the last slot's end`,
      ];
    case 'duration-mismatch':
      return ['INVALID_RESOURCE', `minutesDuration is ${p.given}, but the slots last ${p.minutes} minutes`];
    case 'location-not-schedule':
      return [
        'INVALID_RESOURCE',
        `participant Location/${p.locationId} is not the Location of the slot's schedule (Schedule/${p.scheduleId} is at Location/${p.scheduleLocationId})`,
      ];
    case 'practitioner-not-schedule':
      return [
        'INVALID_RESOURCE',
        `participant Practitioner/${p.practitionerId} is not the Practitioner of the slot's schedule (${p.schedulePractitionerId ? `Practitioner/${p.schedulePractitionerId}` : 'none'})`,
      ];
    case 'channel-mismatch':
      return [
        'INVALID_RESOURCE',
        `the delivery channel extension says "${p.given}", but the slots are "${p.slotChannel}": send the slot's value or leave the extension out`,
      ];
    case 'role-mismatch':
      return [
        'INVALID_RESOURCE',
        `the practitioner role extension says "${p.given}", but the schedule's role is "${p.roleCode}" (${p.roleDisplay})`,
      ];
    case 'organisation-type-restricted':
      return [
        'INVALID_RESOURCE',
        `the slots are offered only to ${p.orgType} organisations; the booking organisation's type is ${p.given ? `"${p.given}"` : 'not given (send the type you used as searchFilter)'}`,
      ];
    case 'organisation-restricted':
      return [
        'INVALID_RESOURCE',
        `the slots are offered only to the organisation with ODS code ${p.odsCode}, not ${p.given}`,
      ];
    case 'no-record':
      return ['NO_RECORD_FOUND', `Appointment/${p.appointmentId} does not exist in this sandbox`];
    case 'no-version': {
      const current = p.versions[p.versions.length - 1];
      const lost =
        Number(p.versions[0]) > 1 ? '; its earlier versions were written before this sandbox kept them' : '';
      return [
        'NO_RECORD_FOUND',
        `Appointment/${p.appointmentId} has no version "${p.versionId}": its versions are ${p.versions.join(', ')} (the current one is ${current})${lost}`,
      ];
    }
    case 'past-appointment': {
      const past = `it started at ${formatLondon(p.startMs)}, which is not in the future (sandbox clock ${formatLondon(p.nowMs)}); GP Connect providers serve only future appointments`;
      if (p.operation === 'read')
        return ['NO_RECORD_FOUND', `Appointment/${p.appointmentId} is not returned: ${past}`];
      const done = p.operation === 'cancel' ? 'cancelled' : 'amended';
      return ['INVALID_RESOURCE', `Appointment/${p.appointmentId} cannot be ${done}: ${past}`];
    }
    case 'cancelled-not-amendable':
      return [
        'INVALID_RESOURCE',
        `Appointment/${p.appointmentId} is cancelled, and a cancelled appointment cannot be amended (GP Connect 1.2.3 onwards)`,
      ];
    case 'version-conflict':
      return [
        'FHIR_CONSTRAINT_VIOLATION',
        `If-Match ${describe(p.sent)} does not match the current version of Appointment/${p.appointmentId}, W/"${p.currentVersion}": it changed since you read it. Read it again, reapply your change, and PUT it with the new ETag`,
      ];
  }
}
