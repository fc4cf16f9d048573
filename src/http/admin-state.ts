import { createHash, randomBytes } from 'node:crypto';
import type { Application } from '../application/application.js';
import type { World } from '../application/world.js';
import { addDays, formatLondon, londonDateOf, londonLocalToInstant } from '../domain/london-time.js';
import type { AppointmentRecord, Patient, Slot } from '../domain/model.js';
import {
  appointmentToFhir,
  type FhirResource,
  locationToFhir,
  organizationToFhir,
  patientToFhir,
  practitionerToFhir,
  scheduleToFhir,
  slotToFhir,
} from '../fhir/resources.js';
import { withoutEmpty } from '../fhir/without-empty.js';
import type { StateView } from '../state-view.js';
import { LazyJsonArray } from './json-stream.js';

/**
 * Admin-only markers on the FHIR resources of GET /_admin/state (never on the FHIR API): how an
 * appointment came to exist, which patients are fixtures, which are magic.
 */
export const ADMIN_TAG = {
  origin: 'urn:gpconnect-sandbox:origin',
  magic: 'urn:gpconnect-sandbox:magic',
} as const;

function withTags(resource: FhirResource, tags: Array<{ system: string; code: string }>): FhirResource {
  if (tags.length === 0) return resource;
  const meta = (resource['meta'] ?? {}) as Record<string, unknown>;
  return { ...resource, meta: { ...meta, tag: tags } };
}

/** An appointment as the FHIR surface serves it (no empty values, see withoutEmpty), plus its origin tag. */
export function adminAppointment(core: Application, record: AppointmentRecord): FhirResource {
  const resource = withTags(appointmentToFhir(record, core.profile.appointmentProfile), [
    { system: ADMIN_TAG.origin, code: record.origin },
  ]);
  return withoutEmpty(resource) ?? resource;
}

export function adminPatient(patient: Patient, fixture: boolean): FhirResource {
  const tags = [];
  if (fixture) tags.push({ system: ADMIN_TAG.origin, code: 'fixture' });
  if (patient.magic) tags.push({ system: ADMIN_TAG.magic, code: patient.magic });
  return withTags(patientToFhir(patient), tags);
}

/** A slot as this world sees it; one the practice holds without an appointment is `busy-unavailable`. */
export function adminSlot(core: Application, world: World, slot: Slot): FhirResource {
  const schedule = core.directory.schedules.get(slot.scheduleId)!;
  const resource = slotToFhir(slot, schedule, world.state.isFree(slot.id));
  return world.state.blockedSlots.has(slot.id) ? { ...resource, status: 'busy-unavailable' } : resource;
}

/** A slot as this world saw it when the view was taken: free, and held by the practice. */
interface SlotSeen {
  slot: Slot;
  free: boolean;
  blocked: boolean;
}

/**
 * The state view's members in StateView's order, its lists made by `list` (eagerly for
 * stateView, lazily for streaming). Slot status and appointments are taken when this is called.
 */
function buildStateView<L>(
  core: Application,
  world: World,
  days: number,
  list: <T>(items: readonly T[], map: (item: T) => FhirResource) => L,
) {
  const now = core.clock.now();
  const today = londonDateOf(now);
  const horizon = {
    start: formatLondon(londonLocalToInstant(today, '00:00')),
    end: formatLondon(londonLocalToInstant(addDays(today, days), '00:00')),
  };
  const slots: SlotSeen[] = [];
  let free = 0;
  for (let d = 0; d < days; d++) {
    for (const slot of core.calendar.slotsOnDay(addDays(today, d))) {
      if (slot.endMs <= now) continue;
      const isFree = world.state.isFree(slot.id);
      if (isFree) free++;
      slots.push({ slot, free: isFree, blocked: world.state.blockedSlots.has(slot.id) });
    }
  }
  const slotResource = ({ slot, free: isFree, blocked }: SlotSeen): FhirResource => {
    const resource = slotToFhir(slot, core.directory.schedules.get(slot.scheduleId)!, isFree);
    return blocked ? { ...resource, status: 'busy-unavailable' } : resource;
  };
  const fixtures = [...world.state.fixturePatients.values()];
  const patients = [
    ...core.seed.patients.map((p) => adminPatient(p, false)),
    ...fixtures.map((p) => adminPatient(p, true)),
  ];
  const records = [...world.state.appointments.values()];
  return {
    counts: {
      patients: patients.length,
      slots: slots.length,
      freeSlots: free,
      busySlots: slots.length - free,
      appointments: records.length,
    },
    session: world.id ?? null,
    profile: core.config.profile,
    basePath: core.config.basePath,
    clock: { now: formatLondon(now), frozen: core.clock.frozen },
    patients,
    practitioners: core.seed.practitioners.map(practitionerToFhir),
    locations: core.seed.locations.map(locationToFhir),
    organizations: core.seed.organizations.map(organizationToFhir),
    schedules: core.seed.schedules.map((s) => scheduleToFhir(s, horizon)),
    slots: list(slots, slotResource),
    appointments: list(records, (record) => adminAppointment(core, record)),
    scenario: world.faults.scenarioName,
    faults: world.faults.list(),
  };
}

/** GET /_admin/state: counts plus the collections as FHIR resources; slots for the next `days`. */
export function stateView(core: Application, world: World, days: number): StateView {
  return buildStateView(core, world, days, (items, map) => items.map(map));
}

/**
 * stateView with its slots and appointments made one at a time as sendJsonInSlices writes them
 * (the view on the bundled seed for a year is ~50 MB); JSON.stringify of it equals
 * JSON.stringify(stateView(...)) taken at the same moment.
 */
export function lazyStateView(core: Application, world: World, days: number): object {
  return buildStateView(
    core,
    world,
    days,
    (items, map) => new LazyJsonArray<unknown>(items, map as (item: unknown) => FhirResource),
  );
}

const PROCESS_NONCE = randomBytes(6).toString('hex');
const worldSerials = new WeakMap<World, number>();
let lastSerial = 0;

/** Tells apart two World objects with the same session id (one expired, then made again). */
function worldSerial(world: World): number {
  let serial = worldSerials.get(world);
  if (serial === undefined) {
    serial = ++lastSerial;
    worldSerials.set(world, serial);
  }
  return serial;
}

/**
 * A validator for GET /_admin/state from what the view depends on, without building it: the page
 * polls with If-None-Match and gets 304 until something changes (the view can be megabytes).
 */
export function stateEtag(core: Application, world: World, days: number): string {
  const inputs = [
    PROCESS_NONCE,
    worldSerial(world),
    world.state.revision,
    Math.floor(core.clock.now() / 60_000),
    core.clock.frozen,
    world.faults.scenarioName,
    JSON.stringify(world.faults.list()),
    days,
  ];
  return `W/"${createHash('sha1').update(inputs.join('|')).digest('base64url').slice(0, 22)}"`;
}

/** A validator for GET /_admin/requests: the newest entry and the journal's size. */
export function journalEtag(world: World, limit: number, read: { newestSeq: number; size: number }): string {
  return `W/"${PROCESS_NONCE}-${worldSerial(world)}-${read.newestSeq}-${read.size}-${limit}"`;
}
