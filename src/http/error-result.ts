import type { Application } from '../application/application.js';
import { DomainError } from '../domain/errors.js';
import { spineErrorFor } from '../fhir/domain-outcome.js';
import { operationOutcome, SpineError } from '../fhir/operation-outcome.js';
import { statusFor } from '../profiles/index.js';
import { StoreUnavailable } from '../store/store.js';
import type { FhirResult } from './fhir-types.js';

/**
 * Any error met while serving a FHIR request, as the result to send: a SpineError (or a DomainError,
 * as the SpineError fhir/domain-outcome.ts words it) as its
 * OperationOutcome (status from the profile unless it carries its own), anything else as 500
 * INTERNAL_SERVER_ERROR, logged. `problems` collects the diagnostics for the journal.
 */
export function errorResult(core: Application, error: unknown, problems: string[]): FhirResult {
  // A domain rule refused the request: the FHIR adapter words it (fhir/domain-outcome.ts).
  if (error instanceof DomainError) error = spineErrorFor(error);
  if (error instanceof SpineError) {
    problems.push(error.diagnostics);
    const status = error.status ?? statusFor(core.profile, error.code);
    return { status, resource: operationOutcome(error.code, error.diagnostics), headers: error.headers };
  }
  if (error instanceof StoreUnavailable) {
    // Redis away (--db redis://…): nothing was done; a client may retry, a balancer try another replica.
    const diagnostics = error.outcomeUnknown
      ? `The outcome is unknown: ${error.message}`
      : `Nothing was done: ${error.message}`;
    problems.push(diagnostics);
    return {
      status: 503,
      resource: operationOutcome('INTERNAL_SERVER_ERROR', diagnostics),
      headers: { 'Retry-After': '1' },
    };
  }
  core.config.log?.('error', `unexpected error: ${(error as Error)?.stack ?? String(error)}`);
  const diagnostics = 'The sandbox failed unexpectedly while handling this request; the error is in its log.';
  problems.push(diagnostics);
  return { status: 500, resource: operationOutcome('INTERNAL_SERVER_ERROR', diagnostics) };
}
