import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { AdminError } from './admin-errors.js';
import type { HostAllowlist } from './host-allowlist.js';

/**
 * Admin paths are taken literally: dot segments, doubled or encoded slashes and backslashes are
 * refused before anything else looks at the path, so no spelling reaches a call past the token
 * check (or the page's static files) in a form the router would read differently.
 */
export function canonicalAdminPath(req: Request, _res: Response, next: NextFunction): void {
  const raw = req.originalUrl.split('?', 1)[0]!;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw new AdminError(
      400,
      `The path ${JSON.stringify(raw.slice(0, 100))} is not validly percent-encoded`,
      'path',
    );
  }
  if (/%2f|%5c|%2e|%25/i.test(raw) || /\\|\/\/|(^|\/)\.\.?(\/|$)/.test(decoded)) {
    throw new AdminError(
      400,
      `The path ${JSON.stringify(raw.slice(0, 100))} is not in canonical form (no "." or ".." segments, "//", backslashes or encoded slashes or dots): spell admin calls exactly, e.g. /_admin/state`,
      'path',
    );
  }
  next();
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** True when the request carries the admin token (compared in constant time). */
export function hasAdminToken(req: Request, token: string): boolean {
  const sent = req.headers['x-admin-token'];
  if (typeof sent !== 'string') return false;
  return timingSafeEqual(digest(sent), digest(token));
}

export function requireAdminToken(token: string | undefined) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (token !== undefined && !hasAdminToken(req, token)) {
      throw new AdminError(
        401,
        req.headers['x-admin-token'] === undefined
          ? 'This sandbox has an admin token: send it in the X-Admin-Token header'
          : "X-Admin-Token does not match this sandbox's --admin-token",
        'X-Admin-Token',
      );
    }
    next();
  };
}

/**
 * A web page on another origin must not drive the admin API through the user's browser (a form
 * or fetch to http://127.0.0.1:4000/_admin/reset): browsers send Origin on such requests, so a
 * changing call whose Origin is not this host, or whose host is not on the Host allowlist, is
 * refused. curl and test clients send none.
 */
export function sameOriginForChanges(publicUrl: string | undefined, allowlist: HostAllowlist) {
  const publicHost = publicUrl ? new URL(publicUrl).host : undefined;
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      next();
      return;
    }
    const origin = req.headers.origin;
    const site = req.headers['sec-fetch-site'];
    let foreign = site === 'cross-site';
    if (origin !== undefined) {
      let host: string | undefined;
      try {
        host = new URL(origin).host;
      } catch {
        host = undefined;
      }
      const own = [req.headers.host, req.headers['x-forwarded-host'], publicHost];
      // Same origin as the request, and a name this sandbox answers to (X-Forwarded-Host is
      // the client's to choose, so matching it alone proves nothing).
      foreign ||= host === undefined || !own.includes(host) || !allowlist.allows(host);
    }
    if (foreign) {
      throw new AdminError(
        403,
        `Admin calls that change state are refused from another origin (${origin ?? site})`,
        'Origin',
      );
    }
    next();
  };
}
