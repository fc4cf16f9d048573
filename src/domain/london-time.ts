/**
 * Europe/London local time without a date library. Slots are defined in UK local time and shown
 * with their offset (+00:00 in GMT, +01:00 in BST). Intl gives the offsets; each UTC day's answer
 * is cached, so formatting thousands of slots costs a Map lookup each, not an Intl call.
 */

const MINUTE = 60_000;
const DAY = 86_400_000;

// Built on first use: creating it loads time zone data, ~20 ms that start-up need not pay.
let partsFormat: Intl.DateTimeFormat | undefined;

/** The offset at one instant, straight from Intl (slow: a formatToParts call). */
function intlOffsetMinutes(ms: number): number {
  const p: Record<string, number> = {};
  partsFormat ??= new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/London',
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  for (const { type, value } of partsFormat.formatToParts(ms)) p[type] = Number(value);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return Math.round((wall - Math.floor(ms / 1000) * 1000) / MINUTE);
}

/** A UTC day's offsets: one number, or the change that happens during it. */
type DayOffsets = number | { before: number; after: number; changeMs: number };
const dayOffsets = new Map<number, DayOffsets>();

function offsetsOfUtcDay(day: number): DayOffsets {
  let cached = dayOffsets.get(day);
  if (cached !== undefined) return cached;
  const start = day * DAY;
  const before = intlOffsetMinutes(start);
  const after = intlOffsetMinutes(start + DAY - 1);
  if (before === after) {
    cached = before;
  } else {
    // UK clocks change at most once a day: find the first minute with the new offset.
    let lo = 0;
    let hi = 1439;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (intlOffsetMinutes(start + mid * MINUTE) === after) hi = mid;
      else lo = mid + 1;
    }
    cached = { before, after, changeMs: start + lo * MINUTE };
  }
  if (dayOffsets.size > 20_000) dayOffsets.clear();
  dayOffsets.set(day, cached);
  return cached;
}

/** Minutes east of UTC in London at an instant: 0 (GMT) or 60 (BST). */
export function londonOffsetMinutes(ms: number): number {
  const d = offsetsOfUtcDay(Math.floor(ms / DAY));
  if (typeof d === 'number') return d;
  return ms < d.changeMs ? d.before : d.after;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** Minutes east of UTC as FHIR writes them: +01:00, +00:00. */
export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/** The UTC calendar date of an instant shifted to wall time, as YYYY-MM-DD. */
function wallDate(wall: Date): string {
  return `${String(wall.getUTCFullYear()).padStart(4, '0')}-${pad2(wall.getUTCMonth() + 1)}-${pad2(wall.getUTCDate())}`;
}

/**
 * An instant as London local time with its offset, e.g. 2026-06-02T09:00:00+01:00. Seconds are
 * always shown; milliseconds only when not zero (both are valid FHIR dateTime/instant forms).
 */
export function formatLondon(ms: number): string {
  const offset = londonOffsetMinutes(ms);
  const wall = new Date(ms + offset * MINUTE);
  const millis = wall.getUTCMilliseconds();
  const frac = millis === 0 ? '' : `.${String(millis).padStart(3, '0')}`;
  return `${wallDate(wall)}T${pad2(wall.getUTCHours())}:${pad2(wall.getUTCMinutes())}:${pad2(wall.getUTCSeconds())}${frac}${formatOffset(offset)}`;
}

/** The London local date of an instant, YYYY-MM-DD. */
export function londonDateOf(ms: number): string {
  return wallDate(new Date(ms + londonOffsetMinutes(ms) * MINUTE));
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Epoch ms of YYYY-MM-DD at 00:00 UTC, or NaN when it is not a real calendar date. */
export function utcMidnight(date: string): number {
  const m = DATE_RE.exec(date);
  if (!m) return Number.NaN;
  const year = Number(m[1]);
  const month = Number(m[2]) - 1;
  const day = Number(m[3]);
  const ms = Date.UTC(year, month, day);
  // Date.UTC rolls 2026-02-30 over to March (and reads years 0-99 as 1900-1999): a real date
  // comes back as itself. Compared as numbers, not by formatting (this runs on every booking).
  const back = new Date(ms);
  return back.getUTCFullYear() === year && back.getUTCMonth() === month && back.getUTCDate() === day
    ? ms
    : Number.NaN;
}

/** True for a real calendar date written YYYY-MM-DD (2026-02-29 is false). */
export function isCalendarDate(s: string): boolean {
  return !Number.isNaN(utcMidnight(s));
}

function checkedMidnight(date: string): number {
  const ms = utcMidnight(date);
  if (Number.isNaN(ms)) throw new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(date)}`);
  return ms;
}

export function addDays(date: string, n: number): string {
  return new Date(checkedMidnight(date) + n * DAY).toISOString().slice(0, 10);
}

/** ISO weekday of a date: 1 Monday .. 7 Sunday. */
export function isoWeekday(date: string): number {
  return new Date(checkedMidnight(date)).getUTCDay() || 7;
}

/** Minutes since midnight of "HH:MM" (00:00..24:00), or NaN. */
export function minutesOfDay(time: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (m) return Number(m[1]) * 60 + Number(m[2]);
  return time === '24:00' ? 1440 : Number.NaN;
}

/**
 * The instant of a London wall-clock time. In the spring-forward gap (a time that never shows
 * on UK clocks) the time maps forward by the gap, 01:30 → 02:30 BST; in the autumn's repeated
 * hour the first occurrence (BST) wins.
 */
export function londonLocalToInstant(date: string, time: string): number {
  const minutes = minutesOfDay(time);
  if (Number.isNaN(minutes)) throw new RangeError(`not an HH:MM time: ${JSON.stringify(time)}`);
  const wall = checkedMidnight(date) + minutes * MINUTE;
  // Try the offsets in force a day either side: one fits unless the time is in a gap.
  const before = londonOffsetMinutes(wall - DAY);
  const after = londonOffsetMinutes(wall + DAY);
  const fits = (offset: number): number | undefined => {
    const t = wall - offset * MINUTE;
    return londonOffsetMinutes(t) === offset ? t : undefined;
  };
  const a = fits(before);
  const b = fits(after);
  if (a !== undefined && b !== undefined) return Math.min(a, b);
  return a ?? b ?? wall - before * MINUTE;
}

/**
 * The offset in force for the whole London local day `date`, or undefined on a clock-change
 * day. Lets slot generation skip per-slot offset lookups on the other 363 days of the year.
 */
export function londonDayOffset(date: string): number | undefined {
  const midnight = checkedMidnight(date);
  // The local day lies within [midnight - 2 h, midnight + 24 h) for any UK offset (0..+2 h).
  const first = londonOffsetMinutes(midnight - 120 * MINUTE);
  return first === londonOffsetMinutes(midnight + DAY - 1) ? first : undefined;
}

const FHIR_DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d):([0-5]\d|60)(\.\d+)?(Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))?$/;

/**
 * Parses a FHIR dateTime with a time part. offsetMinutes is null when the string has no zone;
 * ms then reads it as London local time. Undefined when the string is not of that form or names
 * an impossible date.
 */
export function parseFhirInstant(
  s: string,
): { ms: number; offsetMinutes: number | null; zulu: boolean } | undefined {
  const m = FHIR_DATETIME.exec(s);
  if (!m) return undefined;
  const midnight = utcMidnight(`${m[1]}-${m[2]}-${m[3]}`);
  if (Number.isNaN(midnight)) return undefined;
  const seconds = Number(m[6]) * 1000 + (m[7] ? Number(m[7].slice(1, 4).padEnd(3, '0')) : 0);
  const zone = m[8];
  if (zone === undefined) {
    const minute = londonLocalToInstant(`${m[1]}-${m[2]}-${m[3]}`, `${m[4]}:${m[5]}`);
    return { ms: minute + seconds, offsetMinutes: null, zulu: false };
  }
  const wall = midnight + (Number(m[4]) * 60 + Number(m[5])) * MINUTE + seconds;
  const offsetMinutes =
    zone === 'Z'
      ? 0
      : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  return { ms: wall - offsetMinutes * MINUTE, offsetMinutes, zulu: zone === 'Z' };
}
