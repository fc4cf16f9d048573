import type { ProfileName } from './profiles/index.js';

export type AuthMode = 'strict' | 'lenient' | 'off';
export type LogFormat = 'text' | 'json';

/** A log sink. The library never logs unless given one (PRODUCT.md § Programmatic use). */
export type Logger = (
  level: 'info' | 'warn' | 'error',
  message: string,
  fields?: Record<string, unknown>,
) => void;

/** Everything createSandbox() needs. The CLI builds it from flags; the API from options. */
export interface SandboxConfig {
  port: number;
  host: string;
  profile: ProfileName;
  /** Seed directory; defaults to the package's own seed/. */
  seed?: string;
  /** A bundled scenario name or a scenario file path. */
  scenario?: string;
  /** JSON file keeping the default state across restarts; in memory when absent. */
  db?: string;
  fsync: boolean;
  /** FHIR base path, '' for the root, e.g. '/A20047/STU3/1/gpconnect'. */
  basePath: string;
  /** External origin behind a proxy, used in Location headers. */
  publicUrl?: string;
  auth: AuthMode;
  providerAsid: string;
  randomSeed: number;
  /** Start the sandbox clock frozen at this instant (ISO). */
  clock?: string;
  adminToken?: string;
  journalSize: number;
  /** Idle time before a session is dropped, ms. */
  sessionTtlMs: number;
  maxSessions: number;
  tls?: { cert: string; key: string; ca?: string; requireClientCert?: boolean };
  /** Hot reload: re-arm the active scenario when its file (or the scenarios folder) changes. */
  watch: boolean;
  /** CORS headers and preflight answers on the FHIR surface (never on /_admin); `--cors off` stops them. */
  cors: boolean;
  log?: Logger;
  /** @internal Server timeouts, shortened by tests; not a CLI flag. Defaults: SERVER_TIMEOUTS. */
  timeouts?: Partial<ServerTimeouts>;
}

/** How long a client may take (ms): to send its headers, its whole request, or idle between requests. */
export interface ServerTimeouts {
  headersMs: number;
  requestMs: number;
  keepAliveMs: number;
}

export const SERVER_TIMEOUTS: ServerTimeouts = { headersMs: 15_000, requestMs: 60_000, keepAliveMs: 5_000 };

/**
 * Options of createSandbox() / startSandbox(): the CLI's flags in camelCase, each optional
 * (DEFAULT_CONFIG otherwise; startSandbox() listens on port 0, a free one, by default). Checked by
 * the same schema as the CLI's flags (config-schema.ts); a bad one throws ConfigError naming it.
 */
export type SandboxOptions = Partial<Omit<SandboxConfig, 'sessionTtlMs'>> & {
  /** Idle time (real time) before a session expires: ms, or an ISO duration such as PT30M. */
  sessionTtl?: number | string;
};

export const DEFAULT_CONFIG: SandboxConfig = {
  port: 4000,
  host: '127.0.0.1',
  profile: 'careconnect',
  fsync: false,
  basePath: '',
  auth: 'strict',
  providerAsid: '918999198993',
  randomSeed: 1,
  journalSize: 500,
  sessionTtlMs: 30 * 60_000,
  maxSessions: 1000,
  watch: false,
  cors: true,
};

/**
 * A bad option or flag (createSandbox(), startSandbox(), `gpc-sandbox start`), or a server that
 * cannot start with them (port in use). `option` names the option when one is at fault
 * (`port`, `tls.cert`); `problem` is the message without it, which the CLI prints after the
 * flag's name (`--port must be ...`). The CLI exits 2 on it.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    message: string,
    readonly option?: string,
    readonly problem?: string,
  ) {
    super(message);
  }

  /** `${option} ${problem}`, e.g. `port must be a whole number from 0 to 65535, got -5`. */
  static forOption(option: string, problem: string): ConfigError {
    return new ConfigError(`${option} ${problem}`, option, problem);
  }
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

/** Checks that span several options; each option's own form is checked by config-schema.ts. */
export function checkConfig(config: SandboxConfig): void {
  if (!isLoopbackHost(config.host) && !config.adminToken) {
    throw new ConfigError(
      `--host ${config.host} exposes the sandbox beyond this machine, so the admin API needs a token: add --admin-token <secret> (or use --host 127.0.0.1)`,
      'host',
    );
  }
  if (config.tls?.requireClientCert && !config.tls.ca) {
    throw new ConfigError(
      '--require-client-cert needs --tls-ca FILE: the CA that signs client certificates',
      'tls.ca',
    );
  }
}
