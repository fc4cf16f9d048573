import { parseFhirInstant } from '../domain/london-time.js';
import { charCount, truncateChars } from '../domain/text.js';
import type { Profile } from '../profiles/index.js';
import { checkTextLimits } from './appointment-input.js';
import { describe, invalid, isObject, type Json, stringAt } from './json-shape.js';
import { SpineError } from './operation-outcome.js';
import { EXTENSION_URL } from './profiles.js';
import { withoutEmpty } from './without-empty.js';

/**
 * Reads an amend or cancel PUT body against the stored appointment (digest §3.1–§3.3). The
 * consumer reads the appointment, changes what it may, and PUTs the whole resource back, so the
 * body is compared element by element with what a read returns (appointmentToFhir):
 *
 * - `meta` and `id` are not compared (the handler checks `id` against the URL itself).
 * - Elements the provider fills in from the slots and schedule (start, end, created,
 *   minutesDuration, serviceType, serviceCategory, and the PractitionerRole / DeliveryChannel extensions) may be
 *   left out, and then stay as stored; if sent, they must not differ.
 * - start, end and created compare as instants, so 08:00:00Z equals 09:00:00+01:00.
 * - `extension` entries are matched by url and `participant` entries by actor reference, so their
 *   order does not matter; every other array compares in order.
 *
 * Anything else that differs is a change, named by its element path in the diagnostics.
 */

export interface AppointmentChange {
  path: string;
  kind: 'changed' | 'added' | 'removed';
  before?: unknown;
  after?: unknown;
}

/** May be left out of a PUT: the provider filled them at booking. */
const PROVIDER_FILLED = new Set([
  'start',
  'end',
  'created',
  'minutesDuration',
  'serviceType',
  'serviceCategory',
]);
const PROVIDER_EXTENSIONS = new Set<string>([EXTENSION_URL.practitionerRole, EXTENSION_URL.deliveryChannel]);
const INSTANTS = new Set(['start', 'end', 'created']);
const NOT_COMPARED = new Set(['meta', 'id']);

/** A value as JSON, shortened: diagnostics quote what changed without echoing a whole resource. */
function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return charCount(text) > 80 ? truncateChars(text, 77, '...') : text;
}

export function describeChange(change: AppointmentChange): string {
  switch (change.kind) {
    case 'added':
      return `${change.path} changed (added ${show(change.after)})`;
    case 'removed':
      return `${change.path} changed (removed ${show(change.before)})`;
    default:
      return `${change.path} changed (was ${show(change.before)}, now ${show(change.after)})`;
  }
}

/** Absent, or an empty array (which FHIR JSON does not allow, so it can only mean "none"). */
function absent(value: unknown): boolean {
  return value === undefined || (Array.isArray(value) && value.length === 0);
}

/**
 * Every difference between the stored appointment and a PUT body, top-level element order. Both
 * are compared without empty values (withoutEmpty), as a read serves them: FHIR JSON has no empty
 * arrays, objects or strings, so an empty value means the element is absent.
 */
export function diffAppointment(storedResource: Json, sentResource: Json): AppointmentChange[] {
  const stored = withoutEmpty(storedResource) ?? {};
  const sent = withoutEmpty(sentResource) ?? {};
  const changes: AppointmentChange[] = [];
  const keys = new Set([...Object.keys(stored), ...Object.keys(sent)]);
  for (const key of keys) {
    if (NOT_COMPARED.has(key)) continue;
    const before = stored[key];
    const after = sent[key];
    if (absent(after) && PROVIDER_FILLED.has(key)) continue;
    if (key === 'extension') diffKeyed(before, after, key, extensionKey, PROVIDER_EXTENSIONS, changes);
    else if (key === 'participant') diffKeyed(before, after, key, participantKey, new Set(), changes);
    else if (INSTANTS.has(key) && sameInstant(before, after)) continue;
    else diffValue(before, after, key, changes);
  }
  return changes;
}

function sameInstant(a: unknown, b: unknown): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const x = parseFhirInstant(a);
  const y = parseFhirInstant(b);
  return (
    x !== undefined &&
    y !== undefined &&
    x.offsetMinutes !== null &&
    y.offsetMinutes !== null &&
    // Whole seconds: the served form has no fraction, so …:12.345Z is the stored …:12+01:00.
    Math.floor(x.ms / 1000) === Math.floor(y.ms / 1000)
  );
}

function diffValue(before: unknown, after: unknown, path: string, out: AppointmentChange[]): void {
  if (absent(before) && absent(after)) return;
  if (absent(before)) {
    out.push({ path, kind: 'added', after });
    return;
  }
  if (absent(after)) {
    out.push({ path, kind: 'removed', before });
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const n = Math.max(before.length, after.length);
    for (let i = 0; i < n; i++) diffValue(before[i], after[i], `${path}[${i}]`, out);
    return;
  }
  if (isObject(before) && isObject(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      diffValue(before[key], after[key], `${path}.${key}`, out);
    }
    return;
  }
  if (before !== after) out.push({ path, kind: 'changed', before, after });
}

const extensionKey = (item: unknown): string =>
  isObject(item) ? `url:${String(item['url'])}` : JSON.stringify(item);
function participantKey(item: unknown): string {
  const actor = isObject(item) && isObject(item['actor']) ? item['actor']['reference'] : undefined;
  return typeof actor === 'string' ? `actor:${actor}` : JSON.stringify(item);
}

/** Arrays whose entries pair up by a key (an extension's url, a participant's actor), in any order. */
function diffKeyed(
  before: unknown,
  after: unknown,
  path: string,
  key: (item: unknown) => string,
  mayOmit: ReadonlySet<string>,
  out: AppointmentChange[],
): void {
  if (!Array.isArray(before) || !Array.isArray(after)) {
    if (absent(after) && Array.isArray(before)) {
      const kept = before.filter((item) => !(isObject(item) && mayOmit.has(String(item['url']))));
      if (kept.length === 0) return;
    }
    diffValue(before, after, path, out);
    return;
  }
  const unmatched = before.map((item, index) => ({ item, index, key: key(item) }));
  after.forEach((item, i) => {
    const k = key(item);
    const at = unmatched.findIndex((u) => u.key === k);
    if (at < 0) {
      out.push({ path: `${path}[${i}]`, kind: 'added', after: item });
      return;
    }
    const [match] = unmatched.splice(at, 1);
    diffValue(match!.item, item, `${path}[${i}]`, out);
  });
  for (const { item, index } of unmatched) {
    if (isObject(item) && mayOmit.has(String(item['url']))) continue;
    out.push({ path: `${path}[${index}]`, kind: 'removed', before: item });
  }
}

/** The element a change is in: `description` for `description`, `extension[2]` for `extension[2].url`. */
export function topElement(path: string): string {
  return /^[^.[]+/.exec(path)![0];
}

/** The body of a PUT: a JSON object with resourceType Appointment. */
export function readPutBody(raw: unknown): Json {
  if (!isObject(raw))
    throw invalid(`the body must be a FHIR Appointment resource (a JSON object), got ${describe(raw)}`);
  if (raw['resourceType'] !== 'Appointment')
    throw invalid(`resourceType must be "Appointment", got ${describe(raw['resourceType'])}`);
  return raw;
}

export interface AmendRequest {
  /** The new values; undefined means the element is (now) absent. */
  description: string | undefined;
  comment: string | undefined;
  /** False when the body matches the stored appointment: an idempotent no-op. */
  changed: boolean;
}

const AMEND_RULE = 'only description and comment may change on an amend';

/**
 * An amend (rest:update:appointment-1; digest §3.3): only description (≤ 100) and comment
 * (≤ 500) may change; status must stay booked, and a cancellation reason must not be added.
 */
export function readAmend(sent: Json, stored: Json, profile: Profile): AmendRequest {
  optionalText(sent, 'description');
  optionalText(sent, 'comment');
  if (sent['status'] === 'cancelled') {
    throw invalid(
      'status changed from "booked" to "cancelled": an amend cannot cancel. To cancel, send Ssp-InteractionID urn:nhs:names:services:gpconnect:fhir:rest:cancel:appointment-1',
    );
  }
  const extensions = Array.isArray(sent['extension']) ? sent['extension'] : [];
  const reasonAt = extensions.findIndex((e) => isObject(e) && e['url'] === EXTENSION_URL.cancellationReason);
  if (reasonAt >= 0) {
    throw invalid(
      `extension[${reasonAt}] is a cancellation reason, which an amend must not add: ${AMEND_RULE}`,
    );
  }
  const changes = diffAppointment(stored, sent);
  const other = changes.find((c) => !['description', 'comment'].includes(topElement(c.path)));
  if (other) throw invalid(`${describeChange(other)}: ${AMEND_RULE}`);
  const description = sent['description'] as string | undefined;
  const comment = sent['comment'] as string | undefined;
  if (profile.required.includes('description') && description === undefined) {
    const max = profile.textLimits.description;
    const definition = profile.appointmentProfile.slice(profile.appointmentProfile.lastIndexOf('/') + 1);
    throw invalid(
      `description was removed: it is required (${definition}${max ? `, at most ${max} characters` : ''})`,
    );
  }
  checkTextLimits(profile, description, comment);
  return { description, comment, changed: changes.length > 0 };
}

function optionalText(sent: Json, key: 'description' | 'comment'): void {
  if (sent[key] !== undefined) stringAt(sent[key], key);
}

export interface CancelRequest {
  reason: string;
}

const CANCEL_RULE =
  'only status (to "cancelled") and the cancellation reason extension may change on a cancel';

/**
 * A cancel (rest:cancel:appointment-1; digest §3.2): status becomes cancelled and the
 * AppointmentCancellationReason-1 extension (valueString) is added; nothing else may change.
 * An empty reason is 422 INVALID_PARAMETER (PTS); a wrong extension url or any other change is
 * 422 INVALID_RESOURCE.
 */
export function readCancel(sent: Json, stored: Json): CancelRequest {
  if (sent['status'] === undefined) throw invalid('status is required and must be "cancelled" on a cancel');
  if (sent['status'] !== 'cancelled') {
    throw invalid(`status must be "cancelled" on a cancel, got ${describe(sent['status'])}`);
  }
  if (sent['extension'] !== undefined && !Array.isArray(sent['extension'])) {
    throw invalid(`extension must be an array, got ${describe(sent['extension'])}`);
  }
  const extensions = (sent['extension'] as unknown[] | undefined) ?? [];
  const storedUrls = new Set(
    (Array.isArray(stored['extension']) ? stored['extension'] : []).map((e) =>
      isObject(e) ? e['url'] : undefined,
    ),
  );
  let reason: string | undefined;
  extensions.forEach((e, i) => {
    if (!isObject(e)) throw invalid(`extension[${i}] must be an object, got ${describe(e)}`);
    const url = e['url'];
    if (url === EXTENSION_URL.cancellationReason) {
      reason = readReason(e, i);
    } else if (!storedUrls.has(url) && !PROVIDER_EXTENSIONS.has(String(url))) {
      throw invalid(
        `extension[${i}].url ${JSON.stringify(url)} is not an extension of this appointment; the cancellation reason's url is ${EXTENSION_URL.cancellationReason}`,
      );
    }
  });
  if (reason === undefined) {
    throw invalid(
      `the cancellation reason must be provided: add {"url": "${EXTENSION_URL.cancellationReason}", "valueString": "…"} to extension`,
    );
  }
  const withoutReason = (resource: Json): Json => {
    const { status: _status, ...rest } = resource;
    if (Array.isArray(rest['extension'])) {
      rest['extension'] = rest['extension'].filter(
        (e) => !(isObject(e) && e['url'] === EXTENSION_URL.cancellationReason),
      );
    }
    return rest;
  };
  const change = diffAppointment(withoutReason(stored), withoutReason(sent))[0];
  if (change) throw invalid(`${describeChange(change)}: ${CANCEL_RULE}`);
  return { reason };
}

function readReason(extension: Json, i: number): string {
  const path = `extension[${i}].valueString`;
  const value = extension['valueString'];
  if (value === undefined || (typeof value === 'string' && value.trim() === '')) {
    const others = Object.keys(extension).filter((k) => k.startsWith('value') && k !== 'valueString');
    if (others.length > 0) {
      throw invalid(`extension[${i}] carries ${others[0]}: the cancellation reason is a valueString`);
    }
    throw new SpineError(
      'INVALID_PARAMETER',
      `${path} is ${value === undefined ? 'missing' : 'empty'}: say why the appointment is cancelled`,
    );
  }
  if (typeof value !== 'string') throw invalid(`${path} must be a string, got ${describe(value)}`);
  return value;
}
