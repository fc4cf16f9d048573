import { resolveInteraction } from '../../auth/interactions.js';
import {
  amendRecord,
  cancelRecord,
  checkAmendable,
  checkExpectedVersion,
  checkFuture,
} from '../../domain/appointment-update.js';
import type { AppointmentRecord } from '../../domain/model.js';
import { appointmentResources } from '../../fhir/appointment-resource.js';
import { readAmend, readCancel, readPutBody } from '../../fhir/appointment-update-input.js';
import { normaliseDateTimes } from '../../fhir/date-time.js';
import { describe, type Json } from '../../fhir/json-shape.js';
import { SpineError } from '../../fhir/operation-outcome.js';
import { appointmentToFhir } from '../../fhir/resources.js';
import { checkStorable } from '../../fhir/storable.js';
import type { FhirCall, FhirResult } from '../fhir-types.js';
import {
  appointmentHeaders,
  findAppointment,
  prefersMinimal,
  renderBeforeCommit,
} from './appointment-common.js';

const AMEND = 'rest:update:appointment-1';
const CANCEL = 'rest:cancel:appointment-1';

/**
 * PUT /Appointment/{id}: amend or cancel (digest §3.1–§3.3). The Ssp-InteractionID decides which;
 * without a usable one (--auth off, or lenient with the header missing) a body whose status is
 * "cancelled" is a cancel, anything else an amend (PRODUCT.md).
 *
 * Order of checks: the appointment exists (404), the body's id is the URL's (400), If-Match is
 * current (409 FHIR_CONSTRAINT_VIOLATION; optional, as PTS sends none by default), the appointment
 * is in the future, then the body against the stored resource (422).
 *
 * A PUT that changes nothing (an unchanged amend, a cancel of a cancelled appointment) answers 200
 * with the current version and writes nothing: a retried request gets the same answer, and the
 * ETag it holds stays valid.
 */
export async function updateAppointment(call: FhirCall): Promise<FhirResult> {
  const { core, world } = call;
  const id = call.params[0]!;
  const record = findAppointment(call, id);
  const body = readPutBody(call.body);
  if (body['id'] === undefined) {
    throw new SpineError(
      'BAD_REQUEST',
      `id is required in the body of an update and must be "${id}", the id in the URL`,
    );
  }
  if (body['id'] !== id) {
    throw new SpineError(
      'BAD_REQUEST',
      `id in the body (${describe(body['id'])}) is not the id in the URL ("${id}")`,
    );
  }
  checkIfMatch(call.headers['if-match'], record);
  const cancel = isCancel(call.interaction, body);
  const operation = cancel ? 'cancelled' : 'amended';
  checkFuture(record, call.nowMs, cancel ? 'cancel' : 'amend');

  const stored = appointmentToFhir(record, core.profile.appointmentProfile) as Json;
  // dateTimes in the body are read as the instants they name (date-time.ts): one that names none is
  // refused naming it; one in another form than the spec's compares by instant, with a warning.
  const warnings: string[] = [];
  const sent = normaliseDateTimes(body, { skip: ['start', 'end', 'meta'], warnings });
  let updated: AppointmentRecord | undefined;
  if (cancel) {
    const { reason } = readCancel(sent, stored);
    if (record.status !== 'cancelled')
      updated = cancelRecord(record, reason, call.nowMs, appointmentResources(core.profile));
  } else {
    checkAmendable(record);
    const amend = readAmend(sent, stored, core.profile);
    if (amend.changed) updated = amendRecord(record, amend, call.nowMs);
  }

  const current = updated ?? record;
  // Location names the version this answer carries, which a version read serves (issue 14).
  const answer: FhirResult = {
    status: 200,
    resource: appointmentToFhir(current, core.profile.appointmentProfile),
    headers: appointmentHeaders(current, call.fhirBaseUrl),
    minimal: prefersMinimal(call.headers),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
  if (!updated) return answer;
  // The new version must be answerable later in either format: the reason or text may hold
  // characters XML 1.0 cannot carry.
  checkStorable(answer.resource!);
  world.state.put(updated);
  // Application.execute commits the new version, or puts the old one (and its slots) back when the
  // answer cannot be written or the commit fails.
  return renderBeforeCommit(call, answer, `Appointment/${id} was not ${operation}`);
}

function isCancel(interaction: string | undefined, body: Json): boolean {
  const name = interaction === undefined ? undefined : resolveInteraction(interaction.trim())?.name;
  if (name === CANCEL) return true;
  if (name === AMEND) return false;
  return body['status'] === 'cancelled';
}

/**
 * If-Match: W/"{versionId}" (a strong "v" or a bare v is read the same; * matches any). A stale
 * one is 409 FHIR_CONSTRAINT_VIOLATION, as PTS and DEMO expect (base FHIR would say 412).
 */
function checkIfMatch(header: string | string[] | undefined, record: AppointmentRecord): void {
  if (header === undefined) return;
  const text = Array.isArray(header) ? header.join(',') : header;
  if (text.trim() === '') return;
  const tags = text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  const versions = tags.map((t) => t.replace(/^W\//, '').replace(/^"(.*)"$/, '$1'));
  checkExpectedVersion(record, tags.includes('*') ? 'any' : versions, text);
}
