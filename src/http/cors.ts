import { createRequire } from 'node:module';
import type cors from 'cors';
import type { CorsOptions } from 'cors';
import type { RequestHandler } from 'express';
import { methodsOnPath } from './fhir-routes.js';
import { FHIR_RESPONSE_HEADERS } from './send.js';

/** Request headers a browser may send (Fetch "CORS-unsafe" ones must be allowed by name). */
export const CORS_ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'Accept',
  'If-Match',
  'Prefer',
  'Ssp-TraceID',
  'Ssp-From',
  'Ssp-To',
  'Ssp-InteractionID',
  'X-Sandbox-Session',
  'X-Sandbox-Fault',
];

/** Response headers a browser script may read. */
export const CORS_EXPOSED_HEADERS = ['Location', 'ETag', 'Last-Modified', 'X-Sandbox-Warning'];

/** Any other Ssp-* or X-Sandbox-* header a preflight asks for is allowed too. */
const ALLOWED_FAMILY = /^(ssp|x-sandbox)-[a-z0-9-]+$/i;
const ADMIN = /^\/_admin(\/|$)/i;

/**
 * CORS on the FHIR surface, with the `cors` package: a preflight (OPTIONS carrying
 * Access-Control-Request-Method) is answered 204 with the methods the operations table serves on
 * that path, before and without the GP Connect envelope; other requests that carry Origin get
 * Access-Control-Allow-Origin: * and the exposed headers. Never on /_admin, which refuses
 * cross-origin changes (admin-guard.ts).
 *
 * `relativePath` maps a request path to the path under the FHIR base (undefined outside it).
 */
export function fhirCors(relativePath: (path: string) => string | undefined): RequestHandler {
  const middleware = createRequire(import.meta.url)('cors') as typeof cors;
  const base: CorsOptions = {
    origin: '*',
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: 600,
    optionsSuccessStatus: 204,
  };
  const simple = middleware(base);
  return (req, res, next) => {
    if (ADMIN.test(req.path)) return next();
    if (req.method !== 'OPTIONS') return simple(req, res, next);
    // Only a real preflight is answered here; a bare OPTIONS goes on to the FHIR pipeline's 400.
    if (req.headers['access-control-request-method'] === undefined) return next();
    // The preflight's 204 is a FHIR answer too: the headers every FHIR answer carries.
    for (const [name, value] of Object.entries(FHIR_RESPONSE_HEADERS)) res.setHeader(name, value);
    const path = relativePath(req.path);
    const methods = path === undefined ? [] : methodsOnPath(path);
    // No interaction is served there: the pipeline answers (400 or 404), and the browser with it.
    if (methods.length === 0) return next();
    const requested = String(req.headers['access-control-request-headers'] ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(
        (h) =>
          ALLOWED_FAMILY.test(h) && !CORS_ALLOWED_HEADERS.some((a) => a.toLowerCase() === h.toLowerCase()),
      );
    middleware({
      ...base,
      methods: methods.join(','),
      allowedHeaders: [...CORS_ALLOWED_HEADERS, ...requested],
    })(req, res, next);
  };
}
