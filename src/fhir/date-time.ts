import { formatLondon, parseFhirInstant } from '../domain/london-time.js';
import { describe, invalid, type Json } from './json-shape.js';
import { STU3_ELEMENTS } from './stu3/elements.js';

/**
 * dateTimes the sandbox stores from a request (Appointment.created, and any other dateTime or
 * instant element of a body it keeps: requestedPeriod, a contained resource's, an extension's
 * valueDateTime...). GP Connect serves them as UK local time with the right offset and no
 * fraction, `yyyy-mm-ddThh:mm:ss+hh:mm` (Read an appointment and Retrieve a patient's
 * appointments, "Appointment.created"), while assured providers accept what consumers really send
 * (the reference provider takes .NET's seven-digit fractions). So:
 *
 * - a value that names an instant (a FHIR dateTime with seconds and a zone, `Z` or `±hh:mm`, any
 *   fraction) is stored as that instant, in the served form, and a warning says what the spec asks
 *   for when the sent form differed;
 * - a value that names no instant (a date alone, no zone, no seconds, a malformed offset, a date
 *   or time that does not exist) is refused: 422 INVALID_RESOURCE naming the element.
 */

/** A dateTime read from a request: the instant, its served form, and what to tell the consumer. */
export interface RequestInstant {
  /** Epoch milliseconds, whole seconds (the fraction is dropped, as the served form has none). */
  ms: number;
  /** UK local time with its offset: 2026-06-01T07:55:12+01:00. */
  text: string;
  /** Set when the sent form was not `text`: what the spec asks for. */
  warning?: string;
}

const SPEC_FORM = 'UK local time with its offset and no fraction of a second, yyyy-mm-ddThh:mm:ss+hh:mm';
const EXAMPLE = 'e.g. 2026-06-01T07:55:12+01:00';
const SHAPE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(.*)$/;
const ZONE = /^(?:Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))$/;

/** Why `text` names no instant, or undefined when it does (parseFhirInstant then reads it). */
function noInstantReason(text: string): string | undefined {
  if (/^\d{4}(-\d{2}(-\d{2})?)?$/.test(text)) return 'is a date without a time of day';
  const m = SHAPE.exec(text);
  if (!m) return 'is not a FHIR dateTime';
  const zone = m[8]!;
  if (m[6] === undefined) return 'has no seconds (FHIR dateTime needs hh:mm:ss)';
  if (zone === '') return 'has no zone (Z or ±hh:mm), so it names no instant';
  if (!ZONE.test(zone)) return `has a malformed offset "${zone}" (write Z, +hh:mm or -hh:mm)`;
  if (!parseFhirInstant(text)) return 'is not a real date and time';
  return undefined;
}

/**
 * Reads a request's dateTime at `path` (e.g. `created`): see the file comment. With `nowMs`, a
 * value after that instant (the sandbox's now) also gets a warning. Throws SpineError
 * INVALID_RESOURCE when the value is not a string or names no instant.
 */
export function readRequestInstant(value: unknown, path: string, nowMs?: number): RequestInstant {
  if (typeof value !== 'string')
    throw invalid(`${path} must be a string (a FHIR dateTime), got ${describe(value)}`);
  const reason = noInstantReason(value);
  if (reason) {
    throw invalid(`${path} ${describe(value)} ${reason}: send an instant as ${SPEC_FORM}, ${EXAMPLE}`);
  }
  const parsed = parseFhirInstant(value)!;
  const ms = Math.floor(parsed.ms / 1000) * 1000;
  const text = formatLondon(ms);
  const notes: string[] = [];
  if (value !== text)
    notes.push(`${path} "${value}" was stored as ${text}: GP Connect asks for ${SPEC_FORM}`);
  if (nowMs !== undefined && ms > Math.floor(nowMs / 1000) * 1000) {
    notes.push(
      `${path} ${text} lies after the sandbox's now (${formatLondon(Math.floor(nowMs / 1000) * 1000)})`,
    );
  }
  return notes.length > 0 ? { ms, text, warning: notes.join('; ') } : { ms, text };
}

// ── Every dateTime of a resource ──────────────────────────────────────────────────────────────

type TypeTable = Record<string, Array<[string, string | string[], number?]>>;
let table: { types: TypeTable; primitives: Record<string, string> } | undefined;

/**
 * The STU3 type tables without a prototype: the names looked up come from requests (a contained
 * resource's `resourceType` may be "toString" or "constructor"), and must find nothing there.
 */
function elementTables(): { types: TypeTable; primitives: Record<string, string> } {
  const parsed = JSON.parse(STU3_ELEMENTS) as { types: TypeTable; primitives: Record<string, string> };
  return {
    types: Object.assign(Object.create(null) as TypeTable, parsed.types),
    primitives: Object.assign(Object.create(null) as Record<string, string>, parsed.primitives),
  };
}

/** The element type of `key` in `typeName` (valueDateTime → dateTime), or undefined. */
function elementType(typeName: string, key: string): string | undefined {
  table ??= elementTables();
  for (const [name, type] of table.types[typeName] ?? []) {
    if (name === key && typeof type === 'string') return type;
    if (Array.isArray(type) && name.endsWith('[x]') && key.startsWith(name.slice(0, -3))) {
      const found = type.find((t) => name.slice(0, -3) + t[0]!.toUpperCase() + t.slice(1) === key);
      if (found) return found;
    }
  }
  return undefined;
}

const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A copy of `resource` with every dateTime and instant element read by readRequestInstant and
 * written in its served form, except the top-level elements in `skip` (those the caller checks
 * itself). `warnings` collects what the consumer should be told. Throws SpineError
 * INVALID_RESOURCE naming the first element that names no instant.
 */
export function normaliseDateTimes(
  resource: Json,
  options: { skip?: readonly string[]; nowMs?: number; warnings: string[] },
): Json {
  const type = typeof resource['resourceType'] === 'string' ? resource['resourceType'] : undefined;
  if (!type) return resource;
  const skip = new Set(options.skip ?? []);
  return walk(resource, type, '', options, skip) as Json;
}

function walk(
  value: Json,
  typeName: string,
  prefix: string,
  options: { nowMs?: number; warnings: string[] },
  skip: ReadonlySet<string>,
): Json {
  let out: Json | undefined;
  for (const key of Object.keys(value)) {
    if (skip.has(key)) continue;
    const type = elementType(typeName, key);
    if (!type) continue;
    const child = value[key];
    const path = `${prefix}${key}`;
    const replaced = Array.isArray(child)
      ? mapChanged(child, (item, i) => visit(item, type, `${path}[${i}]`, options))
      : visit(child, type, path, options);
    if (replaced !== child) {
      out ??= { ...value };
      out[key] = replaced;
    }
  }
  return out ?? value;
}

function visit(
  value: unknown,
  type: string,
  path: string,
  options: { nowMs?: number; warnings: string[] },
): unknown {
  if (type === 'dateTime' || type === 'instant') {
    if (value === undefined || value === null) return value;
    // created is when the booking was made: a time after now is worth a word.
    const read = readRequestInstant(value, path, path === 'created' ? options.nowMs : undefined);
    if (read.warning) options.warnings.push(read.warning);
    return read.text;
  }
  if (!isJson(value)) return value;
  if (type === 'Resource') {
    const inner = value['resourceType'];
    return typeof inner === 'string' && table!.types[inner]
      ? walk(value, inner, `${path}.`, options, new Set())
      : value;
  }
  if (table!.primitives[type] !== undefined || !table!.types[type]) return value;
  return walk(value, type, `${path}.`, options, new Set());
}

function mapChanged(items: unknown[], f: (item: unknown, i: number) => unknown): unknown[] {
  let out: unknown[] | undefined;
  items.forEach((item, i) => {
    const next = f(item, i);
    if (next !== item) {
      out ??= [...items];
      out[i] = next;
    }
  });
  return out ?? items;
}
