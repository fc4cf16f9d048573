import { createRequire } from 'node:module';
import type compression from 'compression';
import express, {
  type Express,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import type { Application } from '../application/application.js';
import type { HungConnections } from '../faults/apply.js';
import { operationOutcome } from '../fhir/operation-outcome.js';
import { fhirCors } from './cors.js';
import { fhirPipeline, fhirRelativePath } from './fhir-pipeline.js';
import { hostAllowlist, requireAllowedHost } from './host-allowlist.js';
import { sendFhir } from './send.js';
import { TokenThrottle } from './token-throttle.js';

export interface AppDeps {
  core: Application;
  hung: HungConnections;
  shutdown: AbortSignal;
  /** The package's public/ directory (the admin page). */
  publicDir: string;
  /** Wrong admin tokens per client address (admin calls and X-Sandbox-Fault). */
  tokenThrottle: TokenThrottle;
}

/**
 * The Express app: /_admin (JSON, outside the FHIR base path) and the FHIR pipeline at the base
 * path. Routing is case-sensitive and strict (no trailing slash), as GP Connect requires.
 */
export function createApp(appDeps: Omit<AppDeps, 'tokenThrottle'>): Express {
  const deps: AppDeps = { ...appDeps, tokenThrottle: new TokenThrottle(appDeps.core.config) };
  const { core } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  app.set('query parser', 'simple');
  // Before anything else reads the request: a foreign Host is a web page rebinding its name.
  app.use(requireAllowedHost(hostAllowlist(core.config)));
  // gzip when asked (GP Connect: SHALL support Accept-Encoding: gzip); loaded on first use so
  // it does not delay the ready line.
  let compress: RequestHandler | undefined;
  app.use((req, res, next) => {
    // Only a client that accepts an encoding pays for the middleware's response wrapping.
    if (!req.headers['accept-encoding'] || req.headers['accept-encoding'] === 'identity') return next();
    compress ??= (createRequire(import.meta.url)('compression') as typeof compression)();
    compress(req, res, next);
  });
  // The admin surface (and the schemas its inputs need) loads on its first call, off the path
  // to the ready line.
  let admin: Promise<RequestHandler> | undefined;
  app.use('/_admin', (req, res, next) => {
    admin ??= import('./admin-routes.js').then((m) => m.adminRouter(deps));
    admin.then((router) => router(req, res, next), next);
  });
  const pipeline = fhirPipeline(core, {
    hung: deps.hung,
    shutdown: deps.shutdown,
    tokenThrottle: deps.tokenThrottle,
  });
  if (core.config.cors) app.use(fhirCors((path) => fhirRelativePath(path, core.config.basePath)));
  if (core.config.basePath) {
    app.use(core.config.basePath, pipeline);
  }
  app.use((req, res, next) => {
    if (core.config.basePath && !/^\/[^/]+\/https?:/.test(req.path)) {
      sendFhir(
        res,
        404,
        operationOutcome(
          'NO_RECORD_FOUND',
          `${req.path} is outside the FHIR base path ${core.config.basePath}: FHIR calls go to ${core.config.basePath}/...`,
        ),
        'json',
      );
      return;
    }
    // Returned, so Express's own boundary sees anything the pipeline's last resort did not.
    return pipeline(req, res, next);
  });
  app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
    core.config.log?.('error', `unexpected error: ${error.stack ?? error.message}`);
    if (res.headersSent) return res.end();
    sendFhir(
      res,
      500,
      operationOutcome('INTERNAL_SERVER_ERROR', 'The sandbox failed unexpectedly; the error is in its log.'),
      'json',
    );
  });
  return app;
}
