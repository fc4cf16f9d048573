import type { BookingCommand } from '../domain/booking.js';
import { londonOffsetMinutes, parseFhirInstant } from '../domain/london-time.js';
import { charCount } from '../domain/text.js';
import type { Profile, RequiredBookingElement } from '../profiles/index.js';
import { normaliseDateTimes } from './date-time.js';
import {
  arrayAt,
  describe,
  invalid,
  isObject,
  type Json,
  objectAt,
  optionalArray,
  optionalString,
  stringAt,
} from './json-shape.js';
import { EXTENSION_URL, SYSTEM } from './profiles.js';
import { storableForm } from './storable.js';
import { resourceElements } from './stu3/resource-elements.js';

/**
 * Reads an Appointment create body into a BookingRequest: shape, types and the profile's
 * element rules. Business rules that need the state (slots free, adjacent...) are in
 * domain/booking.ts. Sources: the seed page (careconnect) and digest §2.1/§2.4 (gpconnect-1.2.7).
 */

export interface BookingRequest extends BookingCommand {
  description?: string;
  comment?: string;
  /** The body as sent, minus what the provider owns (id, meta, serviceType, serviceCategory). */
  body: Json;
  /** What the consumer should be told (X-Sandbox-Warning), e.g. a created not in the spec's form. */
  warnings: string[];
}

const ID = '[A-Za-z0-9\\-.]{1,64}';
const LOCAL_REFERENCE = new RegExp(
  `^(Patient|Location|Practitioner|Slot|Organization|HealthcareService)/(${ID})$`,
);

export function parseLocalReference(
  value: unknown,
  path: string,
  expectedTypes: string[],
): { type: string; id: string } {
  const reference = stringAt(value, path);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(reference) || reference.startsWith('urn:')) {
    throw invalid(
      `${path} "${reference}" is an absolute reference; GP Connect requires local references such as "${expectedTypes[0]}/{id}" (the id the provider returned)`,
    );
  }
  if (reference.includes('{{') || reference.includes('}}') || /[<>[\]]/.test(reference)) {
    throw invalid(
      `${path} "${reference}" still holds a placeholder from an example: use the id of a real ${expectedTypes[0]} from this sandbox`,
    );
  }
  const match = LOCAL_REFERENCE.exec(reference);
  if (!match || !expectedTypes.includes(match[1]!)) {
    throw invalid(
      `${path} "${reference}" must be a local reference of the form ${expectedTypes.map((t) => `${t}/{id}`).join(' or ')}`,
    );
  }
  return { type: match[1]!, id: match[2]! };
}

/** A FHIR instant as GP Connect wants it: UK local time with an explicit, correct offset. */
export function parseUkInstant(value: unknown, path: string): { ms: number; text: string } {
  const text = stringAt(value, path);
  const parsed = parseFhirInstant(text);
  if (!parsed)
    throw invalid(
      `${path} "${text}" is not a FHIR dateTime: use yyyy-mm-ddThh:mm:ss+hh:mm, e.g. 2026-06-02T09:00:00+01:00`,
    );
  const expected = londonOffsetMinutes(parsed.ms);
  const example = londonExample(parsed.ms, expected);
  if (parsed.zulu || parsed.offsetMinutes === null) {
    throw invalid(
      `${path} "${text}" has ${parsed.zulu ? 'a Z (UTC) suffix' : 'no offset'}: GP Connect times are UK local with an explicit offset, e.g. ${example}`,
    );
  }
  if (parsed.offsetMinutes !== expected) {
    throw invalid(
      `${path} "${text}" uses offset ${formatOffset(parsed.offsetMinutes)}, but UK time on that date is ${formatOffset(expected)} (${expected === 60 ? 'BST' : 'GMT'}): GP Connect times are UK local with an explicit offset, e.g. ${text.slice(0, 19)}${formatOffset(expected)}`,
    );
  }
  return { ms: parsed.ms, text };
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function londonExample(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19);
  return `${local}${formatOffset(offsetMinutes)}`;
}

/**
 * The profile's limits on description and comment (1.2.7: 100 and 500 characters, counted as
 * Unicode code points, not UTF-16 units; stored untruncated). Book an appointment, "Provider
 * handling of description and comment".
 */
export function checkTextLimits(
  profile: Profile,
  description: string | undefined,
  comment: string | undefined,
): void {
  for (const [element, text, max] of [
    ['description', description, profile.textLimits.description],
    ['comment', comment, profile.textLimits.comment],
  ] as const) {
    if (!max || text === undefined) continue;
    const n = charCount(text);
    if (n > max) throw invalid(`${element} is ${n} characters; GP Connect allows at most ${max}`);
  }
}

/**
 * Reads a POST /Appointment body. `nowMs` (the sandbox clock) is for the warning on a `created`
 * after now. Throws SpineError INVALID_RESOURCE naming the element at fault.
 */
export function readAppointmentForCreate(raw: unknown, profile: Profile, nowMs?: number): BookingRequest {
  if (!isObject(raw))
    throw invalid(`the body must be a FHIR Appointment resource (a JSON object), got ${describe(raw)}`);
  if (raw['resourceType'] !== 'Appointment') {
    throw invalid(`resourceType must be "Appointment", got ${describe(raw['resourceType'])}`);
  }
  for (const key of Object.keys(raw)) {
    if (!resourceElements('Appointment').has(key) && !key.startsWith('_')) {
      throw invalid(`${key} is not an element of a FHIR STU3 Appointment: remove it (check its spelling)`);
    }
  }
  const needs = (element: RequiredBookingElement) => profile.required.includes(element);
  for (const [key, why] of Object.entries(profile.forbidden)) {
    if (raw[key] !== undefined) throw invalid(`${key} must not be sent on a GP Connect booking ${why}`);
  }

  // status
  if (raw['status'] === undefined) throw invalid('status is required and must be "booked"');
  const status = stringAt(raw['status'], 'status');
  if (status !== 'booked') throw invalid(`status must be "booked" on a booking, got "${status}"`);

  // meta
  const meta = raw['meta'] === undefined ? undefined : objectAt(raw['meta'], 'meta');
  if (meta) {
    const profiles = optionalArray(meta['profile'], 'meta.profile');
    for (const [i, p] of profiles.entries()) stringAt(p, `meta.profile[${i}]`);
    if (needs('meta.profile') && !profiles.includes(profile.appointmentProfile)) {
      throw invalid(`meta.profile must contain ${profile.appointmentProfile}`);
    }
  } else if (needs('meta.profile')) {
    throw invalid(`meta.profile is required and must contain ${profile.appointmentProfile}`);
  }

  // slots
  if (raw['slot'] === undefined)
    throw invalid('slot is required: at least one reference "Slot/{id}" to a free slot');
  const slots = arrayAt(raw['slot'], 'slot');
  if (slots.length === 0) throw invalid('slot must hold at least one reference "Slot/{id}"');
  const slotIds = slots.map(
    (s, i) =>
      parseLocalReference(objectAt(s, `slot[${i}]`)['reference'], `slot[${i}].reference`, ['Slot']).id,
  );
  const seen = new Set<string>();
  slotIds.forEach((id, i) => {
    if (seen.has(id)) throw invalid(`slot[${i}].reference "Slot/${id}" is listed twice`);
    seen.add(id);
  });

  // participants
  if (raw['participant'] === undefined)
    throw invalid('participant is required: a participant whose actor is "Patient/{id}"');
  const participants = arrayAt(raw['participant'], 'participant');
  const byType: Record<string, string> = {};
  participants.forEach((p, i) => {
    const participant = objectAt(p, `participant[${i}]`);
    if (participant['actor'] === undefined) throw invalid(`participant[${i}].actor is required`);
    const actor = objectAt(participant['actor'], `participant[${i}].actor`);
    if (actor['reference'] === undefined) throw invalid(`participant[${i}].actor.reference is required`);
    const ref = parseLocalReference(actor['reference'], `participant[${i}].actor.reference`, [
      'Patient',
      'Location',
      'Practitioner',
      'HealthcareService',
    ]);
    if (byType[ref.type] !== undefined) throw invalid(`participant[${i}] is a second ${ref.type}: send one`);
    byType[ref.type] = ref.id;
    if (participant['status'] === undefined) {
      if (needs('participant.status'))
        throw invalid(`participant[${i}].status is required (1..1 in STU3): send "accepted"`);
    } else {
      const ps = stringAt(participant['status'], `participant[${i}].status`);
      if (!profile.participant.statuses.includes(ps)) {
        throw invalid(`participant[${i}].status "${ps}" is not a ParticipationStatus: use "accepted"`);
      }
    }
    optionalArray(participant['type'], `participant[${i}].type`);
  });
  const patientId = byType['Patient'];
  if (patientId === undefined)
    throw invalid('participant must include one whose actor.reference is "Patient/{id}"');
  for (const type of profile.participant.requiredActors) {
    if (byType[type] === undefined)
      throw invalid(`participant must include a ${type}: ${REQUIRED_ACTOR[type]}`);
  }

  // times
  const start = raw['start'] === undefined ? undefined : parseUkInstant(raw['start'], 'start');
  const end = raw['end'] === undefined ? undefined : parseUkInstant(raw['end'], 'end');
  if (needs('start') && !start) throw invalid('start is required: the start of the first slot');
  if (needs('end') && !end) throw invalid('end is required: the end of the last slot');
  if ((start === undefined) !== (end === undefined))
    throw invalid(`${start ? 'end' : 'start'} is required when ${start ? 'start' : 'end'} is sent`);
  if (raw['created'] === undefined && needs('created')) {
    throw invalid('created is required: the time the booking was made, e.g. 2026-06-01T14:05:00+01:00');
  }
  // created and every other dateTime kept from the body: stored as the instant it names, in UK
  // local time (date-time.ts). start and end are checked above and replaced by the slots' times;
  // meta is the provider's.
  const warnings: string[] = [];
  const dated = normaliseDateTimes(raw, { skip: ['start', 'end', 'meta'], nowMs, warnings });
  const created = typeof dated['created'] === 'string' ? dated['created'] : undefined;

  // text
  const description = optionalString(raw['description'], 'description');
  const comment = raw['comment'] === undefined ? undefined : stringAt(raw['comment'], 'comment');
  if (needs('description') && description === undefined) {
    const max = profile.textLimits.description;
    throw invalid(
      `description is required: a short administrative description${max ? ` (at most ${max} characters)` : ''}`,
    );
  }
  checkTextLimits(profile, description, comment);

  let minutesDuration: number | undefined;
  if (raw['minutesDuration'] !== undefined) {
    if (
      typeof raw['minutesDuration'] !== 'number' ||
      !Number.isInteger(raw['minutesDuration']) ||
      raw['minutesDuration'] <= 0
    ) {
      throw invalid(`minutesDuration must be a positive integer, got ${describe(raw['minutesDuration'])}`);
    }
    minutesDuration = raw['minutesDuration'];
  }
  optionalArray(raw['identifier'], 'identifier').forEach((x, i) => {
    const identifier = objectAt(x, `identifier[${i}]`);
    if (needs('identifier.system') || identifier['system'] !== undefined)
      stringAt(identifier['system'], `identifier[${i}].system`);
    stringAt(identifier['value'], `identifier[${i}].value`);
  });
  for (const key of [
    'serviceType',
    'specialty',
    'reason',
    'indication',
    'supportingInformation',
    'incomingReferral',
    'requestedPeriod',
  ]) {
    optionalArray(raw[key], key);
  }
  if (
    raw['priority'] !== undefined &&
    (typeof raw['priority'] !== 'number' || !Number.isInteger(raw['priority']))
  ) {
    throw invalid(`priority must be an unsigned integer, got ${describe(raw['priority'])}`);
  }
  const extensions = readExtensions(raw, profile);

  const { id: _id, meta: _meta, serviceType: _st, serviceCategory: _sc, ...sent } = dated;
  // What is kept must be answerable later in either format (unknown elements, XML 1.0 characters,
  // narrative rules), whatever format this request asked for; a narrative is kept in the canonical
  // form both formats serve.
  const body = storableForm(sent);
  return {
    patientId,
    slotIds,
    locationId: byType['Location'],
    practitionerId: byType['Practitioner'],
    startMs: start?.ms,
    endMs: end?.ms,
    start: start?.text,
    end: end?.text,
    created,
    description,
    comment,
    minutesDuration,
    ...extensions,
    body,
    warnings,
  };
}

/** What each required participant type is, for the refusal naming it. */
const REQUIRED_ACTOR: Record<Profile['participant']['requiredActors'][number], string> = {
  Location: 'the schedule\'s Location from the slot search ("Location/{id}")',
  Practitioner: 'the schedule\'s Practitioner from the slot search ("Practitioner/{id}")',
  HealthcareService: 'the HealthcareService the slot is offered by ("HealthcareService/{id}")',
};

/** The extension's name as its StructureDefinition spells it, e.g. BookingOrganisation-1. */
function extensionName(url: string): string {
  return url.replace(/^.*\/Extension-GPConnect-/, '');
}

function readExtensions(
  raw: Json,
  profile: Profile,
): Pick<BookingRequest, 'deliveryChannel' | 'practitionerRoleCode' | 'bookingOrganisation'> {
  const result: Pick<BookingRequest, 'deliveryChannel' | 'practitionerRoleCode' | 'bookingOrganisation'> = {};
  const contained = optionalArray(raw['contained'], 'contained').map((c, i) =>
    objectAt(c, `contained[${i}]`),
  );
  let bookingRef: string | undefined;
  const allowed: string[] | undefined =
    profile.extensions === 'any' ? undefined : profile.extensions.map((name) => EXTENSION_URL[name]);
  optionalArray(raw['extension'], 'extension').forEach((e, i) => {
    const ext = objectAt(e, `extension[${i}]`);
    const url = stringAt(ext['url'], `extension[${i}].url`);
    if (allowed !== undefined && !allowed.includes(url)) {
      throw invalid(
        url === EXTENSION_URL.cancellationReason
          ? `extension[${i}] is a cancellation reason, which a booking must not carry`
          : `extension[${i}].url "${url}" is not an extension GP Connect allows on a booking (${allowed.map(extensionName).join(', ')})`,
      );
    }
    if (url === EXTENSION_URL.bookingOrganisation) {
      const value = objectAt(ext['valueReference'], `extension[${i}].valueReference`);
      bookingRef = stringAt(value['reference'], `extension[${i}].valueReference.reference`);
      if (!bookingRef.startsWith('#')) {
        throw invalid(
          `extension[${i}].valueReference.reference "${bookingRef}" must point at the contained booking Organization, e.g. "#1" for contained[0] with id "1"`,
        );
      }
    } else if (url === EXTENSION_URL.deliveryChannel) {
      result.deliveryChannel = stringAt(ext['valueCode'], `extension[${i}].valueCode`);
    } else if (url === EXTENSION_URL.practitionerRole) {
      const concept = objectAt(ext['valueCodeableConcept'], `extension[${i}].valueCodeableConcept`);
      const coding = objectAt(
        arrayAt(concept['coding'], `extension[${i}].valueCodeableConcept.coding`)[0],
        `extension[${i}].valueCodeableConcept.coding[0]`,
      );
      result.practitionerRoleCode = stringAt(
        coding['code'],
        `extension[${i}].valueCodeableConcept.coding[0].code`,
      );
    }
  });
  // A profile that does not require the booking organisation does not read it.
  if (!profile.required.includes('extension:bookingOrganisation')) return result;
  if (bookingRef === undefined) {
    throw invalid(
      `extension must include the booking organisation: {"url": "${EXTENSION_URL.bookingOrganisation}", "valueReference": {"reference": "#1"}} with the Organization in contained`,
    );
  }
  const index = contained.findIndex((c) => `#${String(c['id'])}` === bookingRef);
  if (index < 0)
    throw invalid(
      `the booking organisation extension refers to "${bookingRef}", but no contained resource has id "${bookingRef.slice(1)}"`,
    );
  const org = contained[index]!;
  const path = `contained[${index}]`;
  if (org['resourceType'] !== 'Organization')
    throw invalid(`${path}.resourceType must be "Organization", got ${describe(org['resourceType'])}`);
  if (org['name'] === undefined) throw invalid(`${path}.name is required: the booking organisation's name`);
  stringAt(org['name'], `${path}.name`);
  const telecom = optionalArray(org['telecom'], `${path}.telecom`).map((t, i) =>
    objectAt(t, `${path}.telecom[${i}]`),
  );
  if (
    !telecom.some(
      (t) => t['system'] === 'phone' && typeof t['value'] === 'string' && t['value'].trim() !== '',
    )
  ) {
    throw invalid(
      `${path}.telecom needs a phone number ({"system": "phone", "value": "0300 000 0000"}) so the practice can call the booking organisation back`,
    );
  }
  const identifiers = optionalArray(org['identifier'], `${path}.identifier`).map((x, i) =>
    objectAt(x, `${path}.identifier[${i}]`),
  );
  const ods = identifiers.find((x) => x['system'] === SYSTEM.odsCode);
  if (!ods)
    throw invalid(
      `${path}.identifier needs the booking organisation's ODS code: {"system": "${SYSTEM.odsCode}", "value": "A11111"}`,
    );
  const odsCode = stringAt(ods['value'], `${path}.identifier[${identifiers.indexOf(ods)}].value`);
  if (/[{}<>[\]]/.test(odsCode))
    throw invalid(
      `${path}.identifier ODS code "${odsCode}" still holds an example's placeholder: use your organisation's ODS code`,
    );
  let type: string | undefined;
  for (const [i, t] of optionalArray(org['type'], `${path}.type`).entries()) {
    for (const [j, c] of optionalArray(
      objectAt(t, `${path}.type[${i}]`)['coding'],
      `${path}.type[${i}].coding`,
    ).entries()) {
      const coding = objectAt(c, `${path}.type[${i}].coding[${j}]`);
      if (coding['system'] === SYSTEM.organisationType)
        type = stringAt(coding['code'], `${path}.type[${i}].coding[${j}].code`);
    }
  }
  result.bookingOrganisation = { odsCode, ...(type ? { type } : {}) };
  return result;
}
