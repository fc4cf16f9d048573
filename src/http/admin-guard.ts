import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { AdminError } from './admin-errors.js';
import type { HostAllowlist } from './host-allowlist.js';
import type { TokenThrottle } from './token-throttle.js';

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

/** What a request's X-Admin-Token amounts to; a wrong one is counted against its address. */
export type TokenCheck = 'accepted' | 'missing' | 'wrong' | { retryAfterSeconds: number };

/**
 * Check X-Admin-Token against `token`, throttled per client address: while the address is
 * throttled any token it sends gets `{retryAfterSeconds}` (so guessing cannot continue at full
 * speed); a wrong token is recorded. No header at all is `missing` and costs nothing.
 */
export function checkAdminToken(req: Request, token: string, throttle: TokenThrottle): TokenCheck {
  if (req.headers['x-admin-token'] === undefined) return 'missing';
  const address = req.socket.remoteAddress;
  const wait = throttle.retryAfter(address);
  if (wait !== undefined) return { retryAfterSeconds: wait };
  if (hasAdminToken(req, token)) return 'accepted';
  throttle.fail(address);
  return 'wrong';
}

/** Too many wrong tokens from this address: the message for a 429. */
export function throttledMessage(seconds: number): string {
  return `Too many wrong X-Admin-Token values from this address: try again in ${seconds} s`;
}

export function requireAdminToken(token: string | undefined, throttle: TokenThrottle) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (token === undefined) {
      next();
      return;
    }
    const check = checkAdminToken(req, token, throttle);
    if (typeof check === 'object') {
      res.setHeader('Retry-After', String(check.retryAfterSeconds));
      throw new AdminError(429, throttledMessage(check.retryAfterSeconds), 'X-Admin-Token');
    }
    if (check !== 'accepted') {
      throw new AdminError(
        401,
        check === 'missing'
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
