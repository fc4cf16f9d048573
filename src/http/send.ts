import type { Response } from 'express';
import { FHIR_JSON, serialize } from '../fhir/format.js';
import type { FhirResource } from '../fhir/resources.js';

/**
 * Write a FHIR response: exactly `application/fhir+json;charset=utf-8` (Express's res.json
 * would add a space before charset) or XML, and Cache-Control: no-store on every response.
 * Returns the body written, for the journal.
 */
export function sendFhir(
  res: Response,
  status: number,
  resource: FhirResource | undefined,
  format: 'json' | 'xml',
  headers: Record<string, string> = {},
  /** The resource as JSON already, when the handler has it. */
  json?: string,
): string | undefined {
  res.status(status);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Cache-Control', 'no-store');
  if (resource === undefined) {
    res.end();
    return undefined;
  }
  const { body, contentType } =
    format === 'json' && json !== undefined
      ? { body: json, contentType: FHIR_JSON }
      : serialize(resource, format);
  res.setHeader('Content-Type', contentType);
  res.end(body);
  return body;
}
