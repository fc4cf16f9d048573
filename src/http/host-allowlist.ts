import { isIP } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import { isLoopbackHost, type SandboxConfig } from '../config.js';
import { operationOutcome } from '../fhir/operation-outcome.js';
import { sendAdminError } from './admin-errors.js';
import { sendFhir } from './send.js';

/**
 * DNS rebinding defence: a web page whose name is re-pointed at 127.0.0.1 reaches the sandbox
 * with its own name in `Host`. Only names this sandbox is known by are served: loopback names
 * and addresses (localhost, *.localhost, 127.0.0.0/8, ::1), the --host value, the --public-url
 * host and each --allowed-host. (The technique and the check: RFC 9110 §7.2, "Host and :authority";
 * OWASP "DNS rebinding".)
 */
export interface HostAllowlist {
  /** True when the Host header's name (any port) is one this sandbox answers to. */
  allows(hostHeader: string): boolean;
  /** The names accepted beyond loopback, for messages. */
  readonly extra: readonly string[];
}

/** The name part of a Host header or an Origin's host: lower case, no port, no brackets, no final dot. */
export function hostName(host: string): string | undefined {
  const text = host.trim().toLowerCase();
  let name: string;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) return undefined;
    const rest = text.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined;
    name = text.slice(1, end);
    return isIP(name) === 6 ? name : undefined;
  }
  const colon = text.lastIndexOf(':');
  if (colon >= 0) {
    if (!/^:\d{1,5}$/.test(text.slice(colon))) return undefined;
    name = text.slice(0, colon);
  } else name = text;
  name = name.replace(/\.$/, '');
  if (!/^[a-z0-9._-]{1,253}$/.test(name)) return undefined;
  return name;
}

/** The allowlist of a configuration: loopback, --host, the --public-url host, --allowed-host. */
export function hostAllowlist(
  config: Pick<SandboxConfig, 'host' | 'publicUrl' | 'allowedHosts'>,
): HostAllowlist {
  const extra = new Set<string>();
  const add = (value: string | undefined) => {
    if (value === undefined) return;
    const name = isIP(value) === 6 ? value.toLowerCase() : hostName(value);
    if (name) extra.add(name);
  };
  add(config.host);
  if (config.publicUrl) add(new URL(config.publicUrl).host);
  for (const name of config.allowedHosts ?? []) add(name);
  return {
    extra: [...extra],
    allows(hostHeader) {
      const name = hostName(hostHeader);
      return name !== undefined && (isLoopbackHost(name) || extra.has(name));
    },
  };
}

/**
 * Refuse any request whose Host is not on the allowlist: 403, as `{error, field: "Host"}` under
 * /_admin, else an OperationOutcome. A request without Host (HTTP/1.0) is let through: a browser
 * always sends one.
 */
export function requireAllowedHost(allowlist: HostAllowlist) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const host = req.headers.host;
    if (host === undefined || allowlist.allows(host)) {
      next();
      return;
    }
    const shown = JSON.stringify(host.slice(0, 100));
    const message = `Host ${shown} is not a name this sandbox answers to (a web page re-pointing its own name at this machine is refused). Use localhost or 127.0.0.1, or start it with --allowed-host NAME`;
    res.setHeader('Connection', 'close');
    if (req.path === '/_admin' || req.path.startsWith('/_admin/')) {
      sendAdminError(res, 403, message, 'Host');
      return;
    }
    sendFhir(res, 403, operationOutcome('ACCESS DENIED', message), 'json');
  };
}
