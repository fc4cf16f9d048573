/**
 * The one error catalogue and the one OperationOutcome renderer.
 * Codes, displays, statuses and issue codes: digest §4.2 (CodeSystem Spine-ErrorOrWarningCode-1
 * displays; statuses from the GP Connect 1.2.7 error page). A profile may override a status
 * (profiles/*.ts), e.g. DUPLICATE_REJECTED is 422 in careconnect and 409 in gpconnect-1.2.7.
 */

import { SandboxError } from '../domain/sandbox-error.js';
import { xmlSafeText } from './xml-chars.js';

export const SPINE_SYSTEM = 'https://fhir.nhs.uk/STU3/CodeSystem/Spine-ErrorOrWarningCode-1';
export const OPERATION_OUTCOME_PROFILE =
  'https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-OperationOutcome-1';

export interface SpineErrorDefinition {
  httpStatus: number;
  issueCode: string;
  display: string;
}

export const SPINE_ERRORS = {
  BAD_REQUEST: { httpStatus: 400, issueCode: 'invalid', display: 'Bad request' },
  INVALID_IDENTIFIER_SYSTEM: { httpStatus: 400, issueCode: 'value', display: 'Invalid identifier system' },
  INVALID_IDENTIFIER_VALUE: { httpStatus: 400, issueCode: 'value', display: 'Invalid identifier value' },
  INVALID_NHS_NUMBER: { httpStatus: 400, issueCode: 'value', display: 'Invalid NHS number' },
  INVALID_PATIENT_DEMOGRAPHICS: {
    httpStatus: 400,
    issueCode: 'business-rule',
    display: 'Invalid patient demographics',
  },
  PATIENT_NOT_FOUND: { httpStatus: 404, issueCode: 'not-found', display: 'Patient not found' },
  ORGANISATION_NOT_FOUND: { httpStatus: 404, issueCode: 'not-found', display: 'Organisation not found' },
  PRACTITIONER_NOT_FOUND: { httpStatus: 404, issueCode: 'not-found', display: 'Practitioner not found' },
  NO_RECORD_FOUND: { httpStatus: 404, issueCode: 'not-found', display: 'No record found' },
  NO_PATIENT_CONSENT: {
    httpStatus: 403,
    issueCode: 'forbidden',
    display: 'Patient has not provided consent to share data',
  },
  NO_ORGANISATIONAL_CONSENT: {
    httpStatus: 403,
    issueCode: 'forbidden',
    display: 'Organisation has not provided consent to share data',
  },
  // The 1.2.7 table spells it with an underscore, the CodeSystem (and 1.6.0) with a space: both are known.
  ACCESS_DENIED: {
    httpStatus: 403,
    issueCode: 'forbidden',
    display: 'Access has been denied to process this request',
  },
  'ACCESS DENIED': {
    httpStatus: 403,
    issueCode: 'forbidden',
    display: 'Access has been denied to process this request',
  },
  DUPLICATE_REJECTED: {
    httpStatus: 409,
    issueCode: 'duplicate',
    display: 'Create would lead to creation of a duplicate resource',
  },
  FHIR_CONSTRAINT_VIOLATION: { httpStatus: 409, issueCode: 'conflict', display: 'FHIR constraint violated' },
  INVALID_RESOURCE: { httpStatus: 422, issueCode: 'invalid', display: 'Invalid validation of resource' },
  INVALID_PARAMETER: { httpStatus: 422, issueCode: 'invalid', display: 'Invalid parameter' },
  REFERENCE_NOT_FOUND: { httpStatus: 422, issueCode: 'invalid', display: 'Reference not found' },
  NOT_IMPLEMENTED: { httpStatus: 501, issueCode: 'not-supported', display: 'Not implemented' },
  INTERNAL_SERVER_ERROR: {
    httpStatus: 500,
    issueCode: 'exception',
    display: 'Unexpected internal server error',
  },
} as const satisfies Record<string, SpineErrorDefinition>;

export type SpineCode = keyof typeof SPINE_ERRORS;

export function isSpineCode(code: string): code is SpineCode {
  return Object.hasOwn(SPINE_ERRORS, code);
}

/**
 * Thrown anywhere a request is refused; the error middleware renders it. `status` overrides the
 * catalogue's (413, 415, 429 and 496 use BAD_REQUEST's coding with their own status, PRODUCT.md).
 */
export class SpineError extends SandboxError {
  constructor(
    readonly code: SpineCode,
    readonly diagnostics: string,
    readonly status?: number,
    /** Extra response headers, e.g. Retry-After on 429. */
    readonly headers?: Record<string, string>,
  ) {
    super('SpineError', `${code}: ${diagnostics}`);
  }
}

/** One OperationOutcome.issue: an error with one coding. */
export interface OperationOutcomeIssue {
  severity: 'error';
  code: string;
  details: { coding: Array<{ system: string; code: string; display: string }> };
  diagnostics: string;
}

export interface OperationOutcome {
  [key: string]: unknown;
  resourceType: 'OperationOutcome';
  meta: { profile: string[] };
  issue: OperationOutcomeIssue[];
}

/**
 * An error issue coded `system|code` with `display`, of issue type `issueCode` (FHIR STU3
 * ValueSet issue-type). Display and diagnostics often quote the client's input or a rule's text:
 * characters XML 1.0 cannot carry are shown as `\uXXXX`, so the outcome can always be written in
 * either format.
 */
export function errorIssue(
  issueCode: string,
  coding: { system: string; code: string; display: string },
  diagnostics: string,
): OperationOutcomeIssue {
  return {
    severity: 'error',
    code: issueCode,
    details: { coding: [{ system: coding.system, code: coding.code, display: xmlSafeText(coding.display) }] },
    diagnostics: xmlSafeText(diagnostics),
  };
}

/**
 * The GPConnect-OperationOutcome-1 for a Spine code. Diagnostics and display often quote the
 * client's input: characters XML 1.0 cannot carry are shown as `\uXXXX`, so the outcome can always
 * be written in either format.
 */
export function operationOutcome(code: SpineCode, diagnostics: string, display?: string): OperationOutcome {
  const def: SpineErrorDefinition = SPINE_ERRORS[code];
  return {
    resourceType: 'OperationOutcome',
    meta: { profile: [OPERATION_OUTCOME_PROFILE] },
    issue: [
      errorIssue(def.issueCode, { system: SPINE_SYSTEM, code, display: display ?? def.display }, diagnostics),
    ],
  };
}
