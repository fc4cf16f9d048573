import type { SpineCode } from '../fhir/operation-outcome.js';

/** A spec profile is a table of differences over one domain model (PRODUCT.md § Spec profiles). */
export interface Profile {
  name: ProfileName;
  /** CapabilityStatement.version. */
  version: string;
  appointmentProfile: string;
  /** Per-profile HTTP status overrides of the catalogue. */
  statusOverrides: Partial<Record<SpineCode, number>>;
  /** Request body media types read (without parameters). */
  requestContentTypes: string[];
  /** GP Connect 1.2.7 digest §2.1–2.4 in full, rather than the seed page's three rules. */
  strictBooking: boolean;
  descriptionMaxLength?: number;
  commentMaxLength?: number;
}

export type ProfileName = 'careconnect' | 'gpconnect-1.2.7';
