import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

/**
 * Watches every response of the apps that test/helpers/sandbox.ts hands to supertest: a FHIR JSON
 * body (application/fhir+json) must hold no empty array, empty object, empty string or null
 * (https://hl7.org/fhir/STU3/json.html), except nulls that line up a primitive array with its
 * `_name` extensions. What it finds is collected here; test/helpers/fhir-json-setup.ts fails the
 * test that produced it.
 */

export interface EmptyValueFinding {
  request: string;
  status: number;
  /** JSON paths of the empty values, e.g. `$.entry`, or why the body is not JSON. */
  paths: string[];
}

export const findings: EmptyValueFinding[] = [];

/** JSON paths of every empty value in a parsed FHIR JSON document. */
export function emptyValuePaths(value: unknown, path = '$', out: string[] = []): string[] {
  if (value === null || value === '') {
    out.push(path);
  } else if (Array.isArray(value)) {
    if (value.length === 0) out.push(path);
    value.forEach((item, i) => {
      emptyValuePaths(item, `${path}[${i}]`, out);
    });
  } else if (typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object);
    if (keys.length === 0) out.push(path);
    for (const key of keys) {
      const child = object[key];
      const aligned = key.startsWith('_') ? object[key.slice(1)] : object[`_${key}`];
      if (Array.isArray(child) && Array.isArray(aligned)) {
        // A primitive array and its extensions: a null is allowed where the other side has a value.
        child.forEach((item, i) => {
          if (item === null && aligned[i] !== null && aligned[i] !== undefined) return;
          emptyValuePaths(item, `${path}.${key}[${i}]`, out);
        });
        if (child.length === 0) out.push(`${path}.${key}`);
      } else {
        emptyValuePaths(child, `${path}.${key}`, out);
      }
    }
  }
  return out;
}

function decode(body: Buffer, encoding: string | undefined): Buffer {
  switch (encoding?.toLowerCase()) {
    case 'gzip':
      return gunzipSync(body);
    case 'deflate':
      return inflateSync(body);
    case 'br':
      return brotliDecompressSync(body);
    default:
      return body;
  }
}

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

/** `app` with every response body recorded and, when it is FHIR JSON, checked for empty values. */
export function guardFhirJson(app: Handler): Handler {
  return (req, res) => {
    const chunks: Buffer[] = [];
    const write = res.write;
    const end = res.end;
    const keep = (chunk: unknown, encoding: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
      chunks.push(
        Buffer.isBuffer(chunk)
          ? chunk
          : Buffer.from(
              chunk as string,
              typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8',
            ),
      );
    };
    res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      keep(chunk, rest[0]);
      return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as ServerResponse['write'];
    res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
      keep(chunk, rest[0]);
      return (end as (...args: unknown[]) => ServerResponse).call(this, chunk, ...rest);
    } as ServerResponse['end'];
    res.on('finish', () => {
      const type = String(res.getHeader('content-type') ?? '');
      if (!type.startsWith('application/fhir+json') || chunks.length === 0) return;
      const request = `${req.method} ${req.url}`;
      let paths: string[];
      try {
        const text = decode(Buffer.concat(chunks), res.getHeader('content-encoding') as string | undefined);
        if (text.length === 0) return;
        paths = emptyValuePaths(JSON.parse(text.toString('utf8')));
      } catch (error) {
        paths = [`the body is not JSON: ${(error as Error).message}`];
      }
      if (paths.length > 0) findings.push({ request, status: res.statusCode, paths: paths.slice(0, 10) });
    });
    return app(req, res);
  };
}
