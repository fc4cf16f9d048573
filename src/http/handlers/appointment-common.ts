import { validateHeaderValue } from 'node:http';
import { appointmentOf } from '../../domain/appointment-update.js';
import type { AppointmentRecord } from '../../domain/model.js';
import { SpineError } from '../../fhir/operation-outcome.js';
import type { FhirCall, FhirResult } from '../fhir-types.js';
import { renderFhir } from '../send.js';

export function appointmentHeaders(record: AppointmentRecord, fhirBaseUrl: string): Record<string, string> {
  return {
    Location: `${fhirBaseUrl}/Appointment/${record.id}/_history/${record.versionId}`,
    ETag: `W/"${record.versionId}"`,
    'Last-Modified': new Date(record.lastModifiedMs).toUTCString(),
  };
}

/** Prefer: return=minimal asks for no body (digest §2.3). */
export function prefersMinimal(headers: FhirCall['headers']): boolean {
  const prefer = headers['prefer'];
  const value = Array.isArray(prefer) ? prefer.join(',') : (prefer ?? '');
  return /(^|[,;\s])return=minimal\b/.test(value);
}

/** The appointment in the call's world; DomainError no-record (404 NO_RECORD_FOUND) when there is none. */
export function findAppointment(call: FhirCall, id: string): AppointmentRecord {
  return appointmentOf(call.world.state, id);
}

/**
 * Renders a committing handler's answer in the negotiated format before anything is committed, so
 * a request never commits and then answers 500: when the answer cannot be written, a 500
 * INTERNAL_SERVER_ERROR naming what could not be written is thrown instead, and the command's
 * changes are taken back by Application.execute, which commits nothing.
 * The headers are checked too; `Prefer: return=minimal` sends no body, so then only they are.
 */
export function renderBeforeCommit(call: FhirCall, result: FhirResult, nothingDone: string): FhirResult {
  const format = call.format ?? 'json';
  try {
    // The headers too: a Location built from the request's Host must be sendable.
    for (const [name, value] of Object.entries(result.headers ?? {})) validateHeaderValue(name, value);
    if (result.minimal || result.resource === undefined) return result;
    return { ...result, rendered: renderFhir(result.resource, format) };
  } catch (error) {
    const reason = (error as Error).message;
    call.core.config.log?.('error', `could not write a ${format} answer, nothing committed: ${reason}`);
    throw new SpineError(
      'INTERNAL_SERVER_ERROR',
      `${nothingDone}: the sandbox could not write its answer as ${format.toUpperCase()} (${reason}). The error is in its log.`,
      500,
    );
  }
}
