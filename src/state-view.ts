/**
 * What GET /_admin/state answers and the API's state() returns: one world's state (the default
 * one or a session's) as counts plus FHIR resources. A type only, shared by the admin API and
 * the public API; nothing here depends on HTTP.
 */
import type { ListedRule } from './faults/engine.js';
import type { FhirResource } from './fhir/resources.js';
import type { ProfileName } from './profiles/index.js';

export interface StateView {
  counts: {
    patients: number;
    /** Slots within the view's horizon (GET /_admin/state?days=, 14 for state()) that have not ended. */
    slots: number;
    freeSlots: number;
    busySlots: number;
    appointments: number;
  };
  /** The X-Sandbox-Session id, null for the default state. */
  session: string | null;
  profile: ProfileName;
  /** The FHIR base path, '' for the root. */
  basePath: string;
  /** The sandbox clock: London time with its offset, and whether it is frozen. */
  clock: { now: string; frozen: boolean };
  /** FHIR resources; admin-only meta.tag entries mark fixtures, magic patients and appointment origins. */
  patients: FhirResource[];
  practitioners: FhirResource[];
  locations: FhirResource[];
  organizations: FhirResource[];
  schedules: FhirResource[];
  slots: FhirResource[];
  appointments: FhirResource[];
  /** The active scenario's name, null for none. */
  scenario: string | null;
  /** Armed fault rules in the order they are tried, each with a one-line explanation. */
  faults: ListedRule[];
}
