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
  tls?: { cert: string; key: string; ca?: string; requireClientCert: boolean };
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

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Normalise a base path: '' or '/x/y' without a trailing slash. */
export function normaliseBasePath(path: string): string {
  const trimmed = path.trim();
  if (trimmed === '' || trimmed === '/') return '';
  if (!/^(\/[A-Za-z0-9._~-]+)+\/?$/.test(trimmed)) {
    throw new ConfigError(
      `--base-path "${path}" must look like /A20047/STU3/1/gpconnect (segments of letters, digits, . _ ~ -)`,
    );
  }
  return trimmed.replace(/\/$/, '');
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

/** Checks that span several options; single-flag parsing lives in the CLI. */
export function checkConfig(config: SandboxConfig): void {
  if (!isLoopbackHost(config.host) && !config.adminToken) {
    throw new ConfigError(
      `--host ${config.host} exposes the sandbox beyond this machine, so the admin API needs a token: add --admin-token <secret> (or use --host 127.0.0.1)`,
    );
  }
  if (config.tls?.requireClientCert && !config.tls.ca) {
    throw new ConfigError('--require-client-cert needs --tls-ca FILE: the CA that signs client certificates');
  }
  if (config.journalSize < 1 || !Number.isInteger(config.journalSize)) {
    throw new ConfigError(`--journal-size must be a positive integer, got ${config.journalSize}`);
  }
  if (typeof config.cors !== 'boolean') {
    throw new ConfigError(`cors must be true or false (--cors on|off), got ${JSON.stringify(config.cors)}`);
  }
  if (config.maxSessions < 1 || !Number.isInteger(config.maxSessions)) {
    throw new ConfigError(`--max-sessions must be a positive integer, got ${config.maxSessions}`);
  }
}
