/**
 * The domain model: plain data, no FHIR JSON, no express. The seed files hold these shapes
 * (validated by seeding/seed-schema.ts); fhir/resources.ts turns them into FHIR STU3 resources.
 */

export type OrganisationType = 'gp-practice' | 'urgent-care';
export type DeliveryChannel = 'In-person' | 'Telephone' | 'Video';

export interface HumanName {
  family: string;
  given: string[];
  prefix?: string[];
}

export interface Address {
  line: string[];
  city: string;
  postalCode: string;
}

export interface Organization {
  id: string;
  odsCode: string;
  name: string;
  type: OrganisationType;
  phone: string;
  address: Address;
}

export interface Location {
  id: string;
  name: string;
  organizationId: string;
  phone: string;
  address: Address;
}

export interface Coding {
  code: string;
  display: string;
}

export interface Practitioner {
  id: string;
  sdsUserId: string;
  sdsRoleProfileId?: string;
  name: HumanName;
  gender: 'male' | 'female' | 'other' | 'unknown';
  /** SDS job role, e.g. R0260 General Medical Practitioner. */
  role: Coding;
}

/** Who may see a schedule's slots (GP Connect slot availability matrix). Absent: anyone. */
export interface SlotRestriction {
  orgType?: OrganisationType;
  odsCode?: string;
}

/** How a schedule's slots are generated, in Europe/London local time. */
export interface SlotPattern {
  /** ISO weekdays 1 (Mon) .. 7 (Sun); the bundled seed uses all seven. */
  weekdays: number[];
  /** Local "HH:MM" of the first slot's start. */
  from: string;
  /** Local "HH:MM" by which the last slot ends. */
  to: string;
  slotMinutes: number;
  deliveryChannel: DeliveryChannel;
  /** Slot.serviceType[0].text, the practice's slot type. */
  serviceType: string;
  restriction?: SlotRestriction;
  /** Only "GP Connect bookable" slots are offered; false models practice-only sessions. */
  bookable: boolean;
  /**
   * Parts of the day whose slots have another delivery channel or slot type than the pattern's,
   * so adjacent slots of one schedule can differ (GP Connect 1.2.7 refuses to book them together).
   */
  variants?: SlotVariant[];
}

/** A slot starting at or after `from` and before `to` (local "HH:MM") takes these values. */
export interface SlotVariant {
  from: string;
  to: string;
  deliveryChannel?: DeliveryChannel;
  serviceType?: string;
}

export interface Schedule {
  id: string;
  locationId: string;
  practitionerId?: string;
  /** Schedule.serviceCategory.text: the session or rota name. */
  serviceCategory: string;
  practitionerRole: Coding;
  pattern: SlotPattern;
}

export interface Patient {
  id: string;
  nhsNumber: string;
  name: HumanName;
  gender: 'male' | 'female' | 'other' | 'unknown';
  birthDate: string;
  address: Address;
  phone: string;
  /** The registered practice. */
  organizationId: string;
  active: boolean;
  deceasedDateTime?: string;
  sensitive?: boolean;
  /** A demo patient whose bookings always meet one outcome (see faults/magic-patients.ts). */
  magic?: string;
}

export interface SeedManifest {
  name: string;
  /** Days of slots generated from the sandbox clock's today. */
  horizonDays: number;
}

export interface Seed {
  manifest: SeedManifest;
  organizations: Organization[];
  locations: Location[];
  practitioners: Practitioner[];
  schedules: Schedule[];
  patients: Patient[];
  /** A content hash: a db file written for another seed is refused. */
  fingerprint: string;
}

export type SlotStatus = 'free' | 'busy';

/** A generated slot. Its id encodes schedule and local start, so it is stable across restarts. */
export interface Slot {
  id: string;
  scheduleId: string;
  /** Instants, epoch milliseconds. */
  startMs: number;
  endMs: number;
  /** UK local time with offset, e.g. 2026-06-02T09:00:00+01:00. */
  start: string;
  end: string;
}

/** How an appointment came to exist: through the API, an admin fixture, or a simulated competitor. */
export type AppointmentOrigin = 'gpconnect' | 'fixture' | 'not-gpconnect' | 'stolen';

export interface AppointmentRecord {
  id: string;
  versionId: string;
  /** Last-Modified, epoch ms (sandbox clock). */
  lastModifiedMs: number;
  patientId: string;
  slotIds: string[];
  startMs: number;
  endMs: number;
  status: 'booked' | 'cancelled';
  origin: AppointmentOrigin;
  /** The stored FHIR Appointment (without id/meta.versionId, which are added on output). */
  resource: Record<string, unknown>;
  /**
   * The earlier versions, oldest first, for version reads (`GET /Appointment/{id}/_history/{vid}`).
   * Absent when there are none, and in records written before versions were kept.
   */
  history?: AppointmentVersion[];
}

/** One earlier version of an appointment: what an amend or a cancel replaced. */
export type AppointmentVersion = Pick<
  AppointmentRecord,
  'versionId' | 'lastModifiedMs' | 'status' | 'resource'
>;

/**
 * Appointment ids in order: the sandbox's ids are decimal counters, so "2" comes before "10";
 * ids a snapshot brought (any text) fall in by the same numeric-aware comparison.
 */
export function compareAppointmentIds(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
