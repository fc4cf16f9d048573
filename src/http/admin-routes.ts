import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { SandboxCore } from '../sandbox/core.js';
import { InputError } from '../sandbox/input-error.js';
import type { World } from '../sandbox/world.js';
import { AdminError, sendAdminError } from './admin-errors.js';
import { stateView } from './admin-state.js';
import type { AppDeps } from './app.js';

/** The admin API under /_admin: JSON in and out, never under the FHIR base path. */
export function adminRouter(deps: AppDeps): Router {
  const { core } = deps;
  const router = express.Router({ caseSensitive: true, strict: true });
  router.use(express.json({ limit: '1mb' }));

  router.get('/health', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });

  router.use((req, _res, next) => {
    if (core.config.adminToken && req.headers['x-admin-token'] !== core.config.adminToken) {
      throw new AdminError(401, 'This sandbox has an admin token: send it in the X-Admin-Token header', 'X-Admin-Token');
    }
    next();
  });

  router.get('/state', (req, res) => {
    const days = req.query['days'] === undefined ? 14 : Number(req.query['days']);
    if (!Number.isInteger(days) || days < 1 || days > 366) throw new AdminError(400, 'days must be an integer from 1 to 366', 'days');
    res.setHeader('Cache-Control', 'no-store');
    res.json(stateView(core, worldOf(core, req), days));
  });

  router.post('/reset', async (req, res) => {
    if (req.query['all'] === 'true') {
      for (const world of [core.defaultWorld, ...core.sessions.all()]) world.reset();
    } else {
      worldOf(core, req).reset();
    }
    await core.persist(core.defaultWorld);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'reset', ...(req.query['all'] === 'true' ? { sessions: core.sessions.size } : {}) });
  });

  router.use((req, _res, next) => {
    next(new AdminError(404, `No admin call ${req.method} /_admin${req.path}`));
  });
  router.use((error: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof AdminError || error instanceof InputError) return sendAdminError(res, error.status, error.message, error.field);
    if (error.type === 'entity.parse.failed') return sendAdminError(res, 400, `The body is not valid JSON: ${error.message}`, 'body');
    if (error.status && error.status < 500) return sendAdminError(res, error.status, error.message);
    core.config.log?.('error', `admin error: ${error.stack ?? error.message}`);
    sendAdminError(res, 500, 'The sandbox failed unexpectedly; the error is in its log.');
  });
  return router;
}

export function worldOf(core: SandboxCore, req: Request): World {
  const session = req.headers['x-sandbox-session'];
  const id = Array.isArray(session) ? session[0] : session;
  try {
    return core.world(id);
  } catch (error) {
    throw new AdminError(id !== undefined && core.sessions.size >= core.config.maxSessions ? 429 : 400, (error as Error).message, 'X-Sandbox-Session');
  }
}
