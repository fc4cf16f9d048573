import { formatLondon, parseFhirInstant } from '../domain/london-time.js';
import type {
  Address,
  AppointmentRecord,
  HumanName,
  Location,
  Organization,
  Patient,
  Practitioner,
  Schedule,
  Slot,
} from '../domain/model.js';
import { slotService } from '../domain/slot-service.js';
import { EXTENSION_URL, PROFILE_URL, SYSTEM } from './profiles.js';

/** Domain model → FHIR STU3 JSON. Static resources are built once per seed (see SeedResources). */

export type FhirResource = { resourceType: string; id?: string; [key: string]: unknown };

function meta(profile: string, versionId = '1') {
  return { versionId, profile: [profile] };
}

/** resourceType, id and meta (version 1, one profile): how every seeded resource starts. */
function resourceHead(resourceType: string, id: string, profile: string) {
  return { resourceType, id, meta: meta(profile) };
}

function name(n: HumanName) {
  return {
    use: 'official',
    family: n.family,
    given: n.given,
    ...(n.prefix?.length ? { prefix: n.prefix } : {}),
  };
}

/** A one-phone telecom element (ContactPoint[]). */
function telecom(phone: string, use: 'work' | 'home') {
  return [{ system: 'phone', value: phone, use }];
}

/** Location.managingOrganization, Patient.managingOrganization. */
function organizationReference(organizationId: string) {
  return { reference: `Organization/${organizationId}` };
}

function address(a: Address) {
  return { use: 'work', line: a.line, city: a.city, postalCode: a.postalCode };
}

export function organizationToFhir(o: Organization): FhirResource {
  return {
    ...resourceHead('Organization', o.id, PROFILE_URL.organization),
    identifier: [{ system: SYSTEM.odsCode, value: o.odsCode }],
    name: o.name,
    type: [{ coding: [{ system: SYSTEM.organisationType, code: o.type }] }],
    telecom: telecom(o.phone, 'work'),
    address: [address(o.address)],
  };
}

export function locationToFhir(l: Location): FhirResource {
  return {
    ...resourceHead('Location', l.id, PROFILE_URL.location),
    name: l.name,
    telecom: telecom(l.phone, 'work'),
    address: address(l.address),
    managingOrganization: organizationReference(l.organizationId),
  };
}

export function practitionerToFhir(p: Practitioner): FhirResource {
  const identifier: Array<{ system: string; value: string }> = [
    { system: SYSTEM.sdsUserId, value: p.sdsUserId },
  ];
  if (p.sdsRoleProfileId) identifier.push({ system: SYSTEM.sdsRoleProfileId, value: p.sdsRoleProfileId });
  return {
    ...resourceHead('Practitioner', p.id, PROFILE_URL.practitioner),
    identifier,
    name: [name(p.name)],
    gender: p.gender,
  };
}

export function patientToFhir(p: Patient): FhirResource {
  return {
    ...resourceHead('Patient', p.id, PROFILE_URL.patient),
    identifier: [{ system: SYSTEM.nhsNumber, value: p.nhsNumber }],
    active: p.active,
    name: [name(p.name)],
    telecom: telecom(p.phone, 'home'),
    gender: p.gender,
    birthDate: p.birthDate,
    ...(p.deceasedDateTime ? { deceasedDateTime: p.deceasedDateTime } : {}),
    address: [{ ...address(p.address), use: 'home' }],
    managingOrganization: organizationReference(p.organizationId),
  };
}

export function roleExtension(role: { code: string; display: string }) {
  return {
    url: EXTENSION_URL.practitionerRole,
    valueCodeableConcept: { coding: [{ system: SYSTEM.sdsJobRole, code: role.code, display: role.display }] },
  };
}

export function channelExtension(channel: string) {
  return { url: EXTENSION_URL.deliveryChannel, valueCode: channel };
}

export function scheduleToFhir(s: Schedule, horizon: { start: string; end: string }): FhirResource {
  const actor = [{ reference: `Location/${s.locationId}` }];
  if (s.practitionerId) actor.push({ reference: `Practitioner/${s.practitionerId}` });
  return {
    ...resourceHead('Schedule', s.id, PROFILE_URL.schedule),
    extension: [roleExtension(s.practitionerRole)],
    serviceCategory: { text: s.serviceCategory },
    actor,
    planningHorizon: horizon,
  };
}

export function slotToFhir(slot: Slot, schedule: Schedule, free: boolean): FhirResource {
  const service = slotService(schedule, slot);
  return {
    ...resourceHead('Slot', slot.id, PROFILE_URL.slot),
    extension: [channelExtension(service.deliveryChannel)],
    serviceType: [{ text: service.serviceType }],
    schedule: { reference: `Schedule/${schedule.id}` },
    status: free ? 'free' : 'busy',
    start: slot.start,
    end: slot.end,
  };
}

/**
 * A stored appointment as FHIR. `minutesDuration` is the length of its slots, as the reference
 * provider (gpconnect-demonstrator) returns it on every Appointment it serves.
 */
export function appointmentToFhir(record: AppointmentRecord, profileUrl: string): FhirResource {
  const { meta: _ignored, id: _id, ...rest } = record.resource as { meta?: unknown; id?: unknown };
  return {
    resourceType: 'Appointment',
    id: record.id,
    meta: {
      versionId: record.versionId,
      lastUpdated: formatLondon(Math.floor(record.lastModifiedMs / 1000) * 1000),
      profile: [profileUrl],
    },
    ...rest,
    ...servedCreated((rest as Record<string, unknown>)['created']),
    minutesDuration: Math.round((record.endMs - record.startMs) / 60_000),
  };
}

/**
 * `created` in UK local time without a fraction. Bookings store it so (fhir/date-time.ts); one kept
 * as sent by an earlier version (a --db file) is served so too when it names an instant.
 */
function servedCreated(created: unknown): { created?: unknown } {
  if (typeof created !== 'string') return {};
  const parsed = parseFhirInstant(created);
  if (!parsed || parsed.offsetMinutes === null) return { created };
  return { created: formatLondon(Math.floor(parsed.ms / 1000) * 1000) };
}

export function searchset(resources: FhirResource[]): FhirResource {
  return {
    resourceType: 'Bundle',
    meta: { profile: [PROFILE_URL.searchsetBundle] },
    type: 'searchset',
    total: resources.length,
    // GP Connect 1.2.3+: no Bundle.entry.fullUrl for Foundations and Appointments.
    entry: resources.map((resource) => ({ resource })),
  };
}
