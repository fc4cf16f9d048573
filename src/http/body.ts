import type { Request, Response } from 'express';
import express from 'express';
import { requestBodyFormat } from '../fhir/format.js';
import { sanitiseJson } from '../fhir/json-shape.js';
import { SpineError } from '../fhir/operation-outcome.js';
import { FhirXmlError, fromFhirXml } from '../fhir/xml.js';

export const BODY_LIMIT_BYTES = 1024 * 1024;

const rawParser = express.raw({ type: () => true, limit: BODY_LIMIT_BYTES });
const utf8 = new TextDecoder('utf-8', { fatal: true });

interface BodyParserError extends Error {
  type?: string;
  status?: number;
}

/** Read and parse a FHIR request body (JSON or XML), refusing what a provider would refuse. */
export async function readFhirBody(
  req: Request,
  res: Response,
  allowedTypes: readonly string[],
): Promise<{ value: unknown; text: string }> {
  const format = requestBodyFormat(req.headers['content-type'], allowedTypes);
  if (typeof format === 'object') throw new SpineError('BAD_REQUEST', format.error, 415);
  await new Promise<void>((resolve, reject) => {
    rawParser(req, res, (error?: unknown) => (error ? reject(error) : resolve()));
  }).catch((error: BodyParserError) => {
    if (error.type === 'entity.too.large') {
      throw new SpineError(
        'BAD_REQUEST',
        `The body is larger than the ${BODY_LIMIT_BYTES / 1024 / 1024} MB this provider accepts`,
        413,
      );
    }
    if (error.type === 'encoding.unsupported') {
      throw new SpineError(
        'BAD_REQUEST',
        `Content-Encoding "${req.headers['content-encoding']}" is not supported: send the body uncompressed`,
        415,
      );
    }
    throw new SpineError(
      'BAD_REQUEST',
      `The body could not be read: ${error.message}`,
      error.status && error.status < 500 ? error.status : 400,
    );
  });
  const buffer: unknown = req.body;
  if (!Buffer.isBuffer(buffer) || buffer.length === 0) {
    throw new SpineError('BAD_REQUEST', 'The body is empty: send a FHIR resource');
  }
  let text: string;
  try {
    text = utf8.decode(buffer);
  } catch {
    throw new SpineError('BAD_REQUEST', 'The body is not valid UTF-8: GP Connect requires UTF-8');
  }
  let value: unknown;
  if (format === 'xml') {
    try {
      value = fromFhirXml(text);
    } catch (error) {
      // Well-formed XML that is not a valid STU3 resource is a resource error, as in JSON.
      if (error instanceof FhirXmlError && error.kind === 'invalid')
        throw new SpineError('INVALID_RESOURCE', error.message);
      throw new SpineError('BAD_REQUEST', `The body is not FHIR XML: ${(error as Error).message}`);
    }
  } else {
    try {
      value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch (error) {
      throw new SpineError('BAD_REQUEST', `The body is not valid JSON: ${(error as Error).message}`);
    }
  }
  const depthProblem = sanitiseJson(value);
  if (depthProblem) throw new SpineError('BAD_REQUEST', `The body is refused: ${depthProblem}`);
  return { value, text };
}
