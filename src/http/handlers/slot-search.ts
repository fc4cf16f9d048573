import type { Application } from '../../application/application.js';
import { addDays, formatLondon, londonLocalToInstant } from '../../domain/london-time.js';
import type { Slot } from '../../domain/model.js';
import { searchFreeSlots } from '../../domain/slot-search.js';
import { variantIndex } from '../../domain/slot-service.js';
import { toFhirJson } from '../../fhir/format.js';
import { PROFILE_URL } from '../../fhir/profiles.js';
import {
  channelExtension,
  type FhirResource,
  locationToFhir,
  organizationToFhir,
  practitionerToFhir,
  scheduleToFhir,
  searchset,
} from '../../fhir/resources.js';
import { readSlotQuery } from '../../fhir/slot-query.js';
import type { FhirCall, FhirResult } from '../fhir-types.js';

/** The parts of a Slot resource every slot of one schedule shares. */
interface SlotParts {
  meta: unknown;
  extension: unknown;
  serviceType: unknown;
  schedule: unknown;
}

/**
 * FHIR for the immutable seed, built once per core: a search only assembles references to it.
 * Schedules carry planningHorizon (today .. the horizon's end), so they are rebuilt when the
 * sandbox clock's date moves.
 */
interface StaticFhir {
  /** By schedule id: the pattern's parts, then one per variant (domain/slot-service.ts). */
  slotParts: Map<string, SlotParts[]>;
  /** Each free slot's JSON, by id: a day's search re-sends the same slots (bounded). */
  slotJson: Map<string, string>;
  practitioners: Map<string, FhirResource>;
  locations: Map<string, FhirResource>;
  organizations: Map<string, FhirResource>;
  schedules?: { firstDate: string; byId: Map<string, FhirResource> };
  /** The last search's answer and what it was made from (one entry: a client repeating a search). */
  lastSearch?: {
    slots: readonly Slot[];
    schedules: Map<string, FhirResource>;
    includePractitioners: boolean;
    includeLocations: boolean;
    bundle: FhirResource;
    json: string;
  };
}

const cache = new WeakMap<Application, StaticFhir>();

function staticFhir(core: Application): StaticFhir {
  let fhir = cache.get(core);
  if (!fhir) {
    const meta = { versionId: '1', profile: [PROFILE_URL.slot] };
    fhir = {
      slotParts: new Map(
        core.seed.schedules.map((s) => {
          const schedule = { reference: `Schedule/${s.id}` };
          const { pattern } = s;
          const services = [pattern, ...(pattern.variants ?? [])].map((v) => ({
            deliveryChannel: v.deliveryChannel ?? pattern.deliveryChannel,
            serviceType: v.serviceType ?? pattern.serviceType,
          }));
          return [
            s.id,
            services.map((service) => ({
              meta,
              extension: [channelExtension(service.deliveryChannel)],
              serviceType: [{ text: service.serviceType }],
              schedule,
            })),
          ];
        }),
      ),
      slotJson: new Map(),
      practitioners: new Map(core.seed.practitioners.map((p) => [p.id, practitionerToFhir(p)])),
      locations: new Map(core.seed.locations.map((l) => [l.id, locationToFhir(l)])),
      organizations: new Map(core.seed.organizations.map((o) => [o.id, organizationToFhir(o)])),
    };
    cache.set(core, fhir);
  }
  return fhir;
}

function schedulesFhir(core: Application, fhir: StaticFhir, nowMs: number): Map<string, FhirResource> {
  const { firstDate, lastDate } = core.calendar.horizon(nowMs);
  if (fhir.schedules?.firstDate !== firstDate) {
    const horizon = {
      start: formatLondon(londonLocalToInstant(firstDate, '00:00')),
      end: formatLondon(londonLocalToInstant(addDays(lastDate, 1), '00:00')),
    };
    fhir.schedules = {
      firstDate,
      byId: new Map(core.seed.schedules.map((s) => [s.id, scheduleToFhir(s, horizon)])),
    };
  }
  return fhir.schedules.byId;
}

function slotFhir(slot: Slot, parts: SlotParts): FhirResource {
  return {
    resourceType: 'Slot',
    id: slot.id,
    meta: parts.meta,
    extension: parts.extension,
    serviceType: parts.serviceType,
    schedule: parts.schedule,
    status: 'free',
    start: slot.start,
    end: slot.end,
  };
}

/**
 * GET /Slot (digest §1.3): free slots in the window, then the Schedules they belong to, the
 * Practitioners and Locations when asked for, and the Locations' managing Organizations, which
 * GP Connect returns whether or not Location:managingOrganization was sent (known issue).
 * Bundle.total counts the slots (the matches), not the included resources.
 */
export function searchSlots(call: FhirCall): FhirResult {
  const { core } = call;
  const query = readSlotQuery(call.query);
  const slots = searchFreeSlots(
    { calendar: core.calendar, state: call.world.state, nowMs: call.nowMs },
    query,
  );
  const fhir = staticFhir(core);
  const schedules = schedulesFhir(core, fhir, call.nowMs);
  // The answer is made only of the slots found (immutable objects of the calendar), the seed's
  // static FHIR and the two include flags: the same search again gets the same bundle and text.
  const last = fhir.lastSearch;
  if (
    last &&
    last.schedules === schedules &&
    last.includePractitioners === query.includePractitioners &&
    last.includeLocations === query.includeLocations &&
    sameItems(last.slots, slots)
  ) {
    return { status: 200, resource: last.bundle, json: last.json };
  }
  const resources: FhirResource[] = new Array(slots.length);
  const jsonParts: string[] = new Array(slots.length);
  const scheduleIds = new Set<string>();
  if (fhir.slotJson.size > 100_000) fhir.slotJson.clear();
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!;
    scheduleIds.add(slot.scheduleId);
    const parts = fhir.slotParts.get(slot.scheduleId)!;
    const variant =
      parts.length === 1 ? 0 : variantIndex(core.directory.schedules.get(slot.scheduleId)!, slot) + 1;
    resources[i] = slotFhir(slot, parts[variant]!);
    let json = fhir.slotJson.get(slot.id);
    if (json === undefined) {
      json = toFhirJson(resources[i]!);
      fhir.slotJson.set(slot.id, json);
    }
    jsonParts[i] = json;
  }
  const practitioners = new Set<string>();
  const locations = new Set<string>();
  const organizations = new Set<string>();
  for (const id of scheduleIds) {
    resources.push(schedules.get(id)!);
    const schedule = core.directory.schedules.get(id)!;
    if (schedule.practitionerId) practitioners.add(schedule.practitionerId);
    locations.add(schedule.locationId);
    const organizationId = core.directory.locations.get(schedule.locationId)?.organizationId;
    if (organizationId) organizations.add(organizationId);
  }
  if (query.includePractitioners)
    for (const id of practitioners) pushKnown(resources, fhir.practitioners, id);
  if (query.includeLocations) for (const id of locations) pushKnown(resources, fhir.locations, id);
  for (const id of organizations) pushKnown(resources, fhir.organizations, id);
  for (let i = slots.length; i < resources.length; i++) jsonParts.push(jsonOf(resources[i]!));
  const bundle = { ...searchset(resources), total: slots.length };
  const json = bundleJson(bundle, jsonParts);
  fhir.lastSearch = {
    slots,
    schedules,
    includePractitioners: query.includePractitioners,
    includeLocations: query.includeLocations,
    bundle,
    json,
  };
  return { status: 200, resource: bundle, json };
}

const staticJson = new WeakMap<object, string>();

/** JSON of a resource built once per core (schedules, practitioners...), cached by identity. */
function jsonOf(resource: FhirResource): string {
  let json = staticJson.get(resource);
  if (json === undefined) {
    json = toFhirJson(resource);
    staticJson.set(resource, json);
  }
  return json;
}

/**
 * The same text toFhirJson(bundle) gives, assembled from the entries' cached JSON (each written by
 * toFhirJson too). No entries: no `entry` element at all (FHIR JSON has no empty arrays).
 */
function bundleJson(bundle: FhirResource, entries: string[]): string {
  const { entry: _entry, ...shell } = bundle;
  const head = toFhirJson(shell);
  if (entries.length === 0) return head;
  return `${head.slice(0, -1)},"entry":[${entries.map((e) => `{"resource":${e}}`).join(',')}]}`;
}

/** The same items in the same order, compared by identity (slots are the calendar's own objects). */
function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function pushKnown(out: FhirResource[], byId: Map<string, FhirResource>, id: string): void {
  const resource = byId.get(id);
  if (resource) out.push(resource);
}
