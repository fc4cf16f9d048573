import { parseFhirInstant } from './london-time.js';

/**
 * An instant the sandbox clock is set to (--clock, `clock` option, PUT /_admin/clock `now`), as
 * epoch ms: an ISO 8601 / FHIR dateTime with a time (seconds optional) that carries `Z` or an
 * offset, e.g. 2026-06-02T09:00:00+01:00. Undefined when it has no zone (it would otherwise be
 * read in the host's time zone), is not of that form, or names an impossible date.
 */
export function parseZonedInstant(text: string): number | undefined {
  const withSeconds = text.replace(/^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(?=Z|[+-]\d)/, '$1:00');
  const parsed = parseFhirInstant(withSeconds);
  return parsed && parsed.offsetMinutes !== null ? parsed.ms : undefined;
}

/** The one sentence that says what parseZonedInstant() accepts. */
export const ZONED_INSTANT_RULE =
  'must be an ISO instant with Z or an offset, e.g. 2026-06-02T09:00:00+01:00 or 2026-06-02T08:00:00Z';
