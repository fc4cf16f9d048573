import type { Request, Response } from 'express';
import type { Application } from '../application/application.js';
import type { World } from '../application/world.js';
import type { OpenOptions } from '../application/world-store.js';
import { SpineError } from '../fhir/operation-outcome.js';
import { AdminError } from './admin-errors.js';

/**
 * The world an admin call acts on, up to date: the session named by X-Sandbox-Session (made on
 * first use), else the default. AdminError 400/429 naming X-Sandbox-Session when it cannot be.
 */
export async function worldOf(core: Application, req: Request, options?: OpenOptions): Promise<World> {
  const session = req.headers['x-sandbox-session'];
  const id = Array.isArray(session) ? session[0] : session;
  try {
    return await core.openWorld(id, options);
  } catch (error) {
    if (!(error instanceof SpineError)) throw error;
    throw new AdminError(error.status === 429 ? 429 : 400, error.diagnostics, 'X-Sandbox-Session');
  }
}

/** Admin answers describe live state: never cached. */
export function noStore(res: Response): Response {
  return res.setHeader('Cache-Control', 'no-store');
}
