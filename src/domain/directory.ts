import type { Location, Organization, Patient, Practitioner, Schedule, Seed } from './model.js';

/** Lookups by id over the immutable seed, built once and shared by every session. */
export class Directory {
  readonly patients: ReadonlyMap<string, Patient>;
  readonly patientsByNhsNumber: ReadonlyMap<string, Patient>;
  readonly organizations: ReadonlyMap<string, Organization>;
  readonly locations: ReadonlyMap<string, Location>;
  readonly practitioners: ReadonlyMap<string, Practitioner>;
  readonly schedules: ReadonlyMap<string, Schedule>;

  constructor(readonly seed: Seed) {
    this.patients = byId(seed.patients);
    this.patientsByNhsNumber = new Map(seed.patients.map((p) => [p.nhsNumber, p]));
    this.organizations = byId(seed.organizations);
    this.locations = byId(seed.locations);
    this.practitioners = byId(seed.practitioners);
    this.schedules = byId(seed.schedules);
  }

  /** The organisation whose schedule a slot belongs to (through the schedule's location). */
  organizationOfSchedule(schedule: Schedule): Organization | undefined {
    const location = this.locations.get(schedule.locationId);
    return location ? this.organizations.get(location.organizationId) : undefined;
  }
}

function byId<T extends { id: string }>(items: T[]): Map<string, T> {
  return new Map(items.map((item) => [item.id, item]));
}
