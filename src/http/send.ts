import type { Response } from 'express';
import { FHIR_JSON, type FhirFormat, serialize } from '../fhir/format.js';
import { operationOutcome } from '../fhir/operation-outcome.js';
import type { FhirResource } from '../fhir/resources.js';

/** A response body already written in one format, with its exact Content-Type. */
export interface RenderedBody {
  body: string;
  contentType: string;
}

/** Headers on every FHIR answer, errors and faults included. */
export const FHIR_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  // A browser must never read a FHIR body as HTML or script (a narrative, a diagnostics echo).
  'X-Content-Type-Options': 'nosniff',
};

/**
 * `resource` as FHIR JSON or XML. Throws what the writer throws (FhirXmlError for anything FHIR
 * XML cannot carry); callers that must not fail use sendFhir, which falls back.
 */
export function renderFhir(resource: FhirResource, format: FhirFormat): RenderedBody {
  return serialize(resource, format);
}

/** Told when an answer could not be written as asked and a 500 went out instead (for the log). */
export type UnwritableListener = (what: string, error: unknown) => void;

/**
 * Write a FHIR response: exactly `application/fhir+json;charset=utf-8` (Express's res.json
 * would add a space before charset) or XML, with Cache-Control: no-store and
 * X-Content-Type-Options: nosniff on every response. Returns the body written, for the journal.
 *
 * Never throws: when the resource cannot be written in `format`, or a header value cannot be
 * sent, the answer becomes a JSON 500 INTERNAL_SERVER_ERROR OperationOutcome whose diagnostics
 * name what could not be written, and `onUnwritable` is told. A response already under way is
 * cut instead; one already finished is left as it is.
 */
export function sendFhir(
  res: Response,
  status: number,
  resource: FhirResource | undefined,
  format: FhirFormat,
  headers: Record<string, string> = {},
  /** `resource` already rendered in `format`, when the handler has it. */
  rendered?: RenderedBody,
  onUnwritable?: UnwritableListener,
): string | undefined {
  if (res.headersSent) {
    // An answer already under way cannot be replaced: cut it. One already ended is left alone
    // (writableEnded is not enough: with gzip the end passes through zlib first).
    if (!res.writableEnded && !answered.has(res)) res.destroy();
    return undefined;
  }
  let out: RenderedBody | undefined;
  if (resource !== undefined) {
    try {
      out = rendered ?? renderFhir(resource, format);
    } catch (error) {
      return sendUnwritable(
        res,
        `${resourceLabel(resource)} as ${format.toUpperCase()}`,
        error,
        onUnwritable,
      );
    }
  }
  try {
    res.status(status);
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  } catch (error) {
    return sendUnwritable(res, 'the response headers', error, onUnwritable);
  }
  for (const [name, value] of Object.entries(FHIR_RESPONSE_HEADERS)) res.setHeader(name, value);
  answered.add(res);
  if (out === undefined) {
    res.end();
    return undefined;
  }
  res.setHeader('Content-Type', out.contentType);
  res.end(bytesOf(out.body));
  return out.body;
}

/** Bodies at least this long are encoded once and sent as bytes (a day's slot search: ~570 KB). */
const ENCODE_ONCE_CHARS = 64 * 1024;
let lastEncoded: { text: string; bytes: Buffer } | undefined;

/**
 * What res.end is given: a short body as it is; a long one as UTF-8 bytes, kept for the next
 * answer with the same text (a repeated search), so Node neither measures nor encodes it again.
 * The bytes on the wire are the same either way.
 */
function bytesOf(text: string): string | Buffer {
  if (text.length < ENCODE_ONCE_CHARS) return text;
  if (lastEncoded?.text !== text) lastEncoded = { text, bytes: Buffer.from(text, 'utf8') };
  return lastEncoded.bytes;
}

/** Responses sendFhir has ended. */
const answered = new WeakSet<object>();

function resourceLabel(resource: FhirResource): string {
  return typeof resource.resourceType === 'string' ? `the ${resource.resourceType}` : 'the resource';
}

/** The fallback: a JSON 500 naming what could not be written (JSON can always be written). */
function sendUnwritable(
  res: Response,
  what: string,
  error: unknown,
  onUnwritable: UnwritableListener | undefined,
): string {
  onUnwritable?.(what, error);
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  const reason = error instanceof Error ? error.message : String(error);
  const body = JSON.stringify(
    operationOutcome(
      'INTERNAL_SERVER_ERROR',
      `The sandbox could not write ${what}: ${reason}. The error is in its log.`,
    ),
  );
  res.status(500);
  for (const [name, value] of Object.entries(FHIR_RESPONSE_HEADERS)) res.setHeader(name, value);
  res.setHeader('Content-Type', FHIR_JSON);
  answered.add(res);
  res.end(body);
  return body;
}
