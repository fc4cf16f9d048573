/**
 * Running counts for GET /_admin/metrics, kept as plain numbers so counting costs one map update
 * per request and the metrics library loads only when someone scrapes. They count since the
 * sandbox started, across the default state and every session, and never go down (a reset does
 * not touch them), as Prometheus counters must.
 */

/** At most this many distinct label sets per count; the rest are counted under `other`. */
export const MAX_LABEL_SETS = 500;

/** Label value for a request whose interaction is not known (no or an unknown Ssp-InteractionID). */
export const UNKNOWN = 'unknown';

/** Label value for a request answered with no HTTP response (a `drop` fault). */
export const DROPPED = 'dropped';

export interface RequestCount {
  /** The interaction's name after `urn:nhs:names:services:gpconnect:fhir:`, or `unknown`. */
  interaction: string;
  /** The HTTP status as a string, or `dropped`. */
  status: string;
  count: number;
}

/** One sandbox's counts (SandboxCore.tallies); the FHIR pipeline adds to them, /_admin/metrics reads them. */
export class Tallies {
  readonly #requests = new Map<string, RequestCount>();
  readonly #faults = new Map<string, number>();
  #bookings = 0;

  /** One FHIR request answered (status 0: dropped), and the fault rule that fired on it, if any. */
  request(interaction: string | undefined, status: number, fault: string | undefined): void {
    const statusLabel = status === 0 ? DROPPED : String(status);
    const interactionLabel = interaction ?? UNKNOWN;
    let key = `${interactionLabel} ${statusLabel}`;
    let entry = this.#requests.get(key);
    if (!entry) {
      if (this.#requests.size >= MAX_LABEL_SETS) key = 'other';
      entry = this.#requests.get(key);
      if (!entry) {
        entry =
          key === 'other'
            ? { interaction: 'other', status: 'other', count: 0 }
            : { interaction: interactionLabel, status: statusLabel, count: 0 };
        this.#requests.set(key, entry);
      }
    }
    entry.count++;
    if (fault !== undefined) {
      const rule = this.#faults.has(fault) || this.#faults.size < MAX_LABEL_SETS ? fault : 'other';
      this.#faults.set(rule, (this.#faults.get(rule) ?? 0) + 1);
    }
  }

  /** A booking committed by POST /Appointment (even one whose answer a fault then replaced). */
  booked(): void {
    this.#bookings++;
  }

  get requests(): readonly RequestCount[] {
    return [...this.#requests.values()];
  }

  /** Rule name → how many requests it fired on. */
  get faults(): ReadonlyMap<string, number> {
    return this.#faults;
  }

  get bookings(): number {
    return this.#bookings;
  }
}
