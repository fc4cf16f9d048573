import { createRequire } from 'node:module';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { changeClock, clockView } from '../application/clock-control.js';
import { checkDocumentInSlices, MAX_DEPTH } from '../application/document.js';
import { InputError } from '../application/input-error.js';
import { ParseAbandoned, parseJsonInSlices } from '../application/json-slices.js';
import { forbiddenKeyMessage, forbiddenKeyPath } from '../domain/map-keys.js';
import { StoreUnavailable } from '../store/store.js';
import { AdminError, sendAdminError } from './admin-errors.js';
import { faultRoutes } from './admin-faults.js';
import { fixtureRoutes } from './admin-fixtures.js';
import {
  canonicalAdminPath,
  checkAdminToken,
  requireAdminToken,
  sameOriginForChanges,
  throttledMessage,
} from './admin-guard.js';
import { metricsRegistry } from './admin-metrics.js';
import { adminOpenApi } from './admin-openapi.js';
import { adminSchemas, parseAdminInput } from './admin-schemas.js';
import { journalEtag, lazyStateView, stateEtag } from './admin-state.js';
import { noStore, worldOf } from './admin-world.js';
import type { AppDeps } from './app.js';
import { hostAllowlist } from './host-allowlist.js';
import { sendJsonInSlices } from './json-stream.js';

export { worldOf } from './admin-world.js';

const PACKAGE_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** The admin page may reach only this origin; it loads nothing from anywhere else. */
const PAGE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

/**
 * The admin API under /_admin: JSON in and out, never under the FHIR base path. Order matters:
 * the path check first, then the page's static files and /health (no token: they hold no data),
 * then the token, then the calls.
 */
export function adminRouter(deps: AppDeps): Router {
  const { core } = deps;
  const router = express.Router({ caseSensitive: true, strict: true });
  router.use(canonicalAdminPath);
  router.use(
    express.static(deps.publicDir, {
      index: 'index.html',
      dotfiles: 'ignore',
      setHeaders: (res) => {
        for (const [name, value] of Object.entries(PAGE_HEADERS)) res.setHeader(name, value);
      },
    }),
  );

  // For load balancers: 503 while the shared store (Redis) cannot be reached.
  router.get('/health', async (_req, res) => {
    const health = await core.health();
    noStore(res)
      .status(health.status === 'ok' ? 200 : 503)
      .json(health);
  });

  // Lets the page learn whether to ask for a token without a 401 (which browsers log as an error).
  router.get('/auth', (req, res) => {
    const token = core.config.adminToken;
    const check = token === undefined ? 'accepted' : checkAdminToken(req, token, deps.tokenThrottle);
    if (typeof check === 'object') {
      res.setHeader('Retry-After', String(check.retryAfterSeconds));
      throw new AdminError(429, throttledMessage(check.retryAfterSeconds), 'X-Admin-Token');
    }
    noStore(res).json({ tokenRequired: token !== undefined, tokenAccepted: check === 'accepted' });
  });

  // OpenAPI 3.1 of these calls, generated from the schemas they validate with; no token (it holds no data).
  let openApi: string | undefined;
  router.get('/openapi.json', (_req, res) => {
    openApi ??= JSON.stringify(adminOpenApi(PACKAGE_VERSION));
    noStore(res).type('application/json').send(openApi);
  });

  router.use(requireAdminToken(core.config.adminToken, deps.tokenThrottle));
  router.use(sameOriginForChanges(core.config.publicUrl, hostAllowlist(core.config)));
  const smallJson = express.json({ limit: '1mb' });
  const maxSnapshot = core.config.maxSnapshotBytes;
  // raw-body refuses a declared Content-Length over the limit before reading, and counts the
  // streamed bytes of a chunked body: a huge snapshot is refused without being parsed.
  // Read as text and parsed in slices by the route (parseJsonInSlices), not in one JSON.parse.
  const snapshotJson = express.text({ type: 'application/json', limit: maxSnapshot });
  router.use((req, res, next) => {
    if (req.path !== '/snapshot') return smallJson(req, res, next);
    const declared = Number(req.headers['content-length']);
    if (req.method === 'PUT' && Number.isFinite(declared) && declared > maxSnapshot) {
      res.setHeader('Connection', 'close');
      throw new AdminError(413, snapshotTooLarge(maxSnapshot, `${declared} bytes`), 'body');
    }
    snapshotJson(req, res, next);
  });
  // Map-shaped inputs never carry keys that reach the prototype (fixtures, rules, snapshots).
  router.use((req, _res, next) => {
    // A snapshot is walked by its own check, in slices (checkDocumentInSlices).
    if (req.path === '/snapshot') return next();
    const forbidden = forbiddenKeyPath(req.body);
    if (forbidden !== undefined) throw new AdminError(400, forbiddenKeyMessage(forbidden), forbidden);
    next();
  });

  // Large answers (/state, /requests, /snapshot) are written in slices (sendJsonInSlices): the
  // same text as res.json, with the event loop free for other requests between slices.
  router.get('/state', async (req, res) => {
    const days = parseAdminInput(adminSchemas().stateQuery, req.query).days ?? 14;
    const world = await worldOf(core, req);
    const etag = stateEtag(core, world, days);
    noStore(res).setHeader('ETag', etag);
    if (req.headers['if-none-match'] === etag) return void res.status(304).end();
    await sendJsonInSlices(req, res, lazyStateView(core, world, days), 2);
  });

  router.post('/reset', async (req, res) => {
    const { all } = parseAdminInput(adminSchemas().resetQuery, req.query);
    if (all === 'true') {
      // A reset overwrites whatever a shared store held, damaged or not.
      const worlds = await core.allWorlds({ ignoreDamage: true });
      for (const world of worlds) await core.resetWorld(world);
      noStore(res).json({ status: 'reset', sessions: worlds.length - 1 });
      return;
    }
    await core.resetWorld(await worldOf(core, req, { ignoreDamage: true }));
    noStore(res).json({ status: 'reset' });
  });

  router.get('/requests', async (req, res) => {
    const world = await worldOf(core, req);
    const limit = parseAdminInput(adminSchemas().requestsQuery, req.query).limit ?? world.journal.capacity;
    const journal = await world.journal.read(limit);
    const etag = journalEtag(world, limit, journal);
    noStore(res).setHeader('ETag', etag);
    if (req.headers['if-none-match'] === etag) return void res.status(304).end();
    await sendJsonInSlices(req, res, journal.entries, 1);
  });

  router.get('/clock', async (req, res) => {
    await worldOf(core, req);
    noStore(res).json(clockView(core));
  });

  router.put('/clock', async (req, res) => {
    await worldOf(core, req);
    noStore(res).json(await changeClock(core, req.body));
  });

  router.get('/snapshot', async (req, res) => {
    const doc = core.snapshot(await worldOf(core, req));
    noStore(res);
    await sendJsonInSlices(req, res, doc, 3);
  });

  router.put('/snapshot', async (req, res) => {
    const world = await worldOf(core, req);
    // Checked between slices: a client that gave up stops the work done for it.
    const abandoned = () => req.socket.destroyed || req.aborted;
    let body: unknown = req.body;
    if (typeof body === 'string') {
      try {
        body = await parseJsonInSlices(body.charCodeAt(0) === 0xfeff ? body.slice(1) : body, {
          maxDepth: MAX_DEPTH,
          abandoned,
          // Millions of tiny values cost seconds of garbage collection: refused before they are built.
          maxValues: Math.max(100_000, Math.floor(core.config.maxSnapshotBytes / 16)),
          maxObjectMembers: 10_000,
        });
      } catch (error) {
        if (error instanceof InputError || error instanceof ParseAbandoned) throw error;
        throw new AdminError(400, `The body is not valid JSON: ${(error as Error).message}`, 'body');
      }
    }
    const doc = await checkDocumentInSlices(core, body, abandoned);
    await core.importDocument(world, doc);
    noStore(res).json({
      status: 'imported',
      appointments: doc.state.appointments.length,
      fixturePatients: doc.state.fixturePatients.length,
    });
  });

  faultRoutes(router, core);
  fixtureRoutes(router, core);

  // Prometheus text format; one registry per sandbox, built on the first scrape.
  let metrics: ReturnType<typeof metricsRegistry> | undefined;
  router.get('/metrics', async (_req, res) => {
    metrics ??= metricsRegistry({ core, hung: deps.hung });
    const registry = await metrics;
    const text = await registry.metrics();
    noStore(res).type(registry.contentType).send(text);
  });

  router.use((req, _res, next) => {
    next(
      new AdminError(
        404,
        `No admin call ${req.method} /_admin${req.path}: see GET /_admin/ for the page, or the README for the calls`,
      ),
    );
  });
  router.use(
    (error: Error & { status?: number; type?: string }, req: Request, res: Response, _next: NextFunction) => {
      // The client went away mid-work: nobody to answer.
      if (error instanceof ParseAbandoned) return void res.destroy();
      if (error instanceof StoreUnavailable) {
        res.setHeader('Retry-After', '1');
        return sendAdminError(
          res,
          503,
          error.outcomeUnknown ? `Outcome unknown: ${error.message}` : `Not done: ${error.message}`,
        );
      }
      if (error instanceof AdminError || error instanceof InputError)
        return sendAdminError(res, error.status, error.message, error.field);
      if (error.type === 'entity.parse.failed')
        return sendAdminError(res, 400, `The body is not valid JSON: ${error.message}`, 'body');
      if (error.type === 'entity.too.large') {
        res.setHeader('Connection', 'close');
        const message =
          req.path === '/snapshot'
            ? snapshotTooLarge(core.config.maxSnapshotBytes, 'more')
            : `The body is too large: ${error.message}`;
        return sendAdminError(res, 413, message, 'body');
      }
      // Any other body the parser refused (an encoding it cannot undo, a charset it cannot read).
      if (error.status && error.status < 500)
        return sendAdminError(res, error.status, `The body could not be read: ${error.message}`, 'body');
      core.config.log?.('error', `admin error: ${error.stack ?? error.message}`);
      sendAdminError(res, 500, 'The sandbox failed unexpectedly; the error is in its log.');
    },
  );
  return router;
}

function snapshotTooLarge(limit: number, got: string): string {
  return `The snapshot is larger than this sandbox accepts (${got}; --max-snapshot is ${limit} bytes): import a smaller one, or start with a larger --max-snapshot`;
}
