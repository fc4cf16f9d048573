import {
  addDays,
  londonDateOf,
  londonLocalToInstant,
  parseFhirInstant,
  utcMidnight,
} from '../domain/london-time.js';
import type { SlotSearchCriteria } from '../domain/slot-search.js';
import { describe } from './json-shape.js';
import { SpineError } from './operation-outcome.js';
import { SYSTEM } from './profiles.js';
import {
  invalidParameter,
  miscasedHint,
  paramValues,
  parseToken,
  type QueryValues,
  requiredSingle,
} from './search-params.js';

/**
 * Reads GET /Slot's query (digest §1.3, GPC@1.2.7 appointments_use_case_search_for_free_slots.md;
 * error codes from PTS SearchForFreeSlots.feature and DEMO SlotResourceProvider):
 * start=ge… and end=le… (a date, or a dateTime with an explicit offset), status=free and
 * _include=Slot:schedule are required; searchFilter narrows by organisation type and ODS code.
 */

export interface SlotQuery extends SlotSearchCriteria {
  includePractitioners: boolean;
  includeLocations: boolean;
}

const DAY = 86_400_000;
export const MAX_SLOT_SEARCH_DAYS = 14;
const EXAMPLE = 'start=ge2026-06-02&end=le2026-06-05';
const SEARCH_PREFIXES = new Set(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);
const LEGACY_ODS_SYSTEM = 'http://fhir.nhs.net/Id/ods-organization-code';

interface Bound {
  /** The instant the bound stands for: a date's start (ge) or the end of the whole date (le). */
  ms: number;
  /** The value as written, read as wall-clock time (a date is its midnight): for the 14-day rule. */
  wallMs: number;
  /** The date, when the value is a date alone (yyyy-mm-dd). */
  date?: string;
}

function readBound(query: QueryValues, name: 'start' | 'end', prefix: 'ge' | 'le'): Bound {
  const example = `${name}=${prefix}2026-06-02`;
  const text = requiredSingle(query, name, `${example} (${EXAMPLE})`, 'INVALID_PARAMETER');
  if (text.trim() === '') throw invalidParameter(`${name} is empty: send ${example}`);
  const sent = text.slice(0, 2);
  if (SEARCH_PREFIXES.has(sent)) {
    if (sent !== prefix) {
      throw invalidParameter(
        `${name} ${describe(text)} has the prefix "${sent}": ${name} takes only "${prefix}", e.g. ${example}`,
      );
    }
  } else {
    throw invalidParameter(
      `${name} ${describe(text)} has no prefix: ${name} takes "${prefix}", e.g. ${example}`,
    );
  }
  const value = text.slice(2);
  // Slots, schedules and their days are computed around the bound: a year past 9998 could not be
  // written back (FHIR years have four digits).
  if (/^\d{4}/.test(value) && Number(value.slice(0, 4)) > 9998) {
    throw invalidParameter(`${name} ${describe(text)} is past the years this provider serves (up to 9998)`);
  }
  if (/^\d{4}(-\d{2})?$/.test(value)) {
    throw invalidParameter(
      `${name} ${describe(text)} is a partial date: send a whole date (yyyy-mm-dd) or a dateTime with an offset`,
    );
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const midnight = utcMidnight(value);
    if (Number.isNaN(midnight)) throw invalidParameter(`${name} ${describe(text)} is not a calendar date`);
    // A date-only end covers the whole of that day, so ge D and le D search all of day D (PTS).
    const date = prefix === 'ge' ? value : addDays(value, 1);
    return { ms: londonLocalToInstant(date, '00:00'), wallMs: midnight, date: value };
  }
  const parsed = parseFhirInstant(value);
  if (!parsed) {
    throw invalidParameter(
      `${name} ${describe(text)} is not a date (yyyy-mm-dd) or a dateTime with an offset (yyyy-mm-ddThh:mm:ss+hh:mm), e.g. ${example}`,
    );
  }
  if (parsed.zulu || parsed.offsetMinutes === null) {
    throw invalidParameter(
      `${name} ${describe(text)} has ${parsed.zulu ? 'a Z (UTC) suffix' : 'no offset'}: a dateTime needs an explicit UK offset, e.g. ${name}=${prefix}2026-06-02T09:00:00+01:00`,
    );
  }
  return { ms: parsed.ms, wallMs: parsed.ms + parsed.offsetMinutes * 60_000 };
}

/**
 * The searchFilter tokens. A malformed token (no `|`, a blank system or code) is 422
 * INVALID_PARAMETER; a well-formed one is a filter, whatever its code. An organisation type this
 * provider does not know (PTS SearchForFreeSlots.feature "Searching for free slots with org type
 * searchFilter system" sends `oncology` and expects 200) still counts as a type filter: it hides
 * ODS-restricted slots and matches no type-restricted one. An unknown ODS code likewise matches no
 * ODS-restricted slot, and a filter with any other system is ignored (digest §1.3; PTS "Searching
 * for free slots with other searchFilter system").
 */
function readSearchFilters(query: QueryValues): Pick<SlotSearchCriteria, 'orgTypes' | 'odsCodes'> {
  const orgTypes: string[] = [];
  const odsCodes: string[] = [];
  paramValues(query, 'searchFilter').forEach((text) => {
    const token = parseToken(text, 'searchFilter', `${SYSTEM.odsCode}|A11111`);
    if (token.system === SYSTEM.organisationType) orgTypes.push(token.value);
    else if (token.system === SYSTEM.odsCode || token.system === LEGACY_ODS_SYSTEM)
      odsCodes.push(token.value);
  });
  return { orgTypes, odsCodes };
}

export function readSlotQuery(query: QueryValues): SlotQuery {
  // Missing required parameters (400) are reported before bad values (422).
  for (const [name, example] of [
    ['start', 'start=ge2026-06-02'],
    ['end', 'end=le2026-06-02'],
    ['status', 'status=free'],
  ] as const) {
    if (paramValues(query, name).length === 0) {
      throw new SpineError(
        'BAD_REQUEST',
        `${name} is required, e.g. ${example} (${EXAMPLE})${miscasedHint(query, name)}`,
      );
    }
  }
  const includes = new Set([...paramValues(query, '_include'), ...paramValues(query, '_include:recurse')]);
  if (!includes.has('Slot:schedule')) {
    throw new SpineError(
      'BAD_REQUEST',
      `_include=Slot:schedule is required on a slot search: the Schedules tell you each slot's location and practitioner${miscasedHint(query, '_include')}`,
    );
  }
  const start = readBound(query, 'start', 'ge');
  const end = readBound(query, 'end', 'le');
  const status = requiredSingle(query, 'status', 'status=free', 'INVALID_PARAMETER');
  if (status !== 'free') {
    throw invalidParameter(
      `status ${describe(status)} is not supported: a slot search takes only status=free`,
    );
  }
  // A date-only end stands for the end of its day, so ge D and le D is a valid one-day search.
  // Both bounds are inclusive (ge, le), so start == end is a valid, zero-length range: it answers
  // 200 with the slots that fit in it (none), as PTS expects of a 0-day search. Only an end
  // before start is refused (PTS "invalid date range" -1 days).
  // A date-only end names its whole day, so it is before start when its day is (ge D+1, le D).
  if (end.ms < start.ms || (end.date !== undefined && end.date < londonDateOf(start.ms))) {
    throw invalidParameter(
      'end is before start: the search range must run forwards (start and end may be equal)',
    );
  }
  if (end.wallMs - start.wallMs > MAX_SLOT_SEARCH_DAYS * DAY) {
    throw invalidParameter(
      `the search range from start to end is ${Math.ceil((end.wallMs - start.wallMs) / DAY)} days; GP Connect allows at most ${MAX_SLOT_SEARCH_DAYS} (e.g. start=ge2026-06-02&end=le2026-06-16)`,
    );
  }
  return {
    fromMs: start.ms,
    toMs: end.ms,
    ...readSearchFilters(query),
    includePractitioners: includes.has('Schedule:actor:Practitioner'),
    includeLocations: includes.has('Schedule:actor:Location'),
  };
}
