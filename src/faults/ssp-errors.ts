/**
 * Errors the Spine Secure Proxy raises itself, before (or instead of) reaching the provider. They are
 * not provider OperationOutcomes: the coding system is a different ValueSet and the code is the HTTP
 * status as a string (digest §4.2, last bullet; GP Connect 1.2.7 error handling page §SSP errors).
 * Displays follow the spec's examples; 503 is not in the spec's table and is our extrapolation.
 */

export const SSP_SYSTEM = 'http://fhir.nhs.net/ValueSet/gpconnect-schedule-response-code-1-0';

export interface SspErrorDefinition {
  issueCode: string;
  /** The default display (and diagnostics): the SSP's upper-case token. */
  display: string;
  /** The spec table's description, for explain() and docs. */
  description: string;
}

export const SSP_ERRORS = {
  400: {
    issueCode: 'invalid',
    display: 'ENDPOINT_VARIES_FROM_TARGETURL',
    description: 'target URL varies from the endpoint registered in SDS',
  },
  403: {
    issueCode: 'forbidden',
    display: 'ASID_CHECK_FAILED_MESSAGESENDER',
    description: 'sender ASID is not authorised for this interaction',
  },
  405: { issueCode: 'not-supported', display: 'Method_Not_Allowed', description: 'method not allowed' },
  415: {
    issueCode: 'not-supported',
    display: 'Unsupported_Media_Type',
    description: 'unsupported media type',
  },
  502: {
    issueCode: 'transient',
    display: 'ERROR_COMMUNICATING_TO_ENDPOINT_URL',
    description: 'error communicating to the target URL',
  },
  503: {
    issueCode: 'transient',
    display: 'SERVICE_UNAVAILABLE',
    description: 'the Spine proxy is unavailable',
  },
  504: {
    issueCode: 'transient',
    display: 'TIMEOUT_COMMUNICATING_TO_ENDPOINT_URL',
    description: 'the server at the target URL timed out',
  },
} as const satisfies Record<number, SspErrorDefinition>;

export type SspStatus = keyof typeof SSP_ERRORS;

export const SSP_STATUSES = Object.keys(SSP_ERRORS).map(Number) as SspStatus[];

export function isSspStatus(status: unknown): status is SspStatus {
  return typeof status === 'number' && Object.hasOwn(SSP_ERRORS, String(status));
}
