import { isIP } from 'node:net';
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
  /** Host names served besides loopback, --host and the --public-url host (--allowed-host). */
  allowedHosts: string[];
  /** Bytes all journals together keep at most; the oldest entries, whatever their session, go first. */
  journalBudgetBytes: number;
  /** Connections faults may hold at once (hang, or a delay of at least HOLD_DELAY_MS); beyond, the fault is skipped. */
  maxHeld: number;
  /** False turns the X-Sandbox-Fault header off (--no-header-faults). */
  headerFaults: boolean;
  /** PUT /_admin/snapshot bodies larger than this many bytes get 413 before they are read. */
  maxSnapshotBytes: number;
  log?: Logger;
  /** @internal Wrong admin tokens allowed per client address and window before 429; not a CLI flag. */
  tokenThrottle?: { failures: number; windowMs: number };
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
  allowedHosts: [],
  journalBudgetBytes: 64 * 1024 * 1024,
  maxHeld: 100,
  headerFaults: true,
  maxSnapshotBytes: 16 * 1024 * 1024,
};

/** A non-loopback sandbox needs an admin token at least this long (a guessable one is no lock). */
export const MIN_EXPOSED_TOKEN_LENGTH = 16;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * A size in bytes: a whole number of bytes, or with a unit, `512KB`, `64MB`, `1GB` (binary
 * multiples: 1 MB = 1,048,576 bytes). Throws ConfigError naming `flag`.
 */
export function parseSize(flag: string, value: number | string): number {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value > 0) return value;
    throw new ConfigError(`${flag} must be a positive whole number of bytes, got ${value}`);
  }
  const m = /^\s*(\d+)\s*(B|KB|MB|GB)?\s*$/i.exec(value);
  const units: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };
  const bytes = m ? Number(m[1]) * units[(m[2] ?? 'B').toUpperCase()]! : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new ConfigError(`${flag} must be a size such as 64MB, 512KB or 1048576 (bytes), got "${value}"`);
  }
  return bytes;
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

/**
 * Loopback by name or address: localhost, *.localhost (RFC 6761 §6.3), 127.0.0.0/8, ::1 (and
 * ::ffff:127.x). Judges text only: start-up also checks the address actually bound.
 */
export function isLoopbackHost(host: string): boolean {
  const name = host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) === 6) return name === '::1' || name === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(name);
  return false;
}

/** Why a short (or missing) --admin-token is refused on an address beyond this machine. */
export function exposedTokenMessage(where: string): string {
  return `--host ${where} exposes the sandbox beyond this machine, so the admin API needs an --admin-token of at least ${MIN_EXPOSED_TOKEN_LENGTH} characters (e.g. --admin-token $(openssl rand -hex 16)), or use --host 127.0.0.1`;
}

/** Checks that span several options; single-flag parsing lives in the CLI. */
export function checkConfig(config: SandboxConfig): void {
  if (!isLoopbackHost(config.host) && !config.adminToken) {
    throw new ConfigError(exposedTokenMessage(config.host));
  }
  if (
    config.adminToken !== undefined &&
    config.adminToken.length < MIN_EXPOSED_TOKEN_LENGTH &&
    !isLoopbackHost(config.host)
  ) {
    throw new ConfigError(exposedTokenMessage(config.host));
  }
  if (!Array.isArray(config.allowedHosts) || config.allowedHosts.some((n) => typeof n !== 'string')) {
    throw new ConfigError('allowedHosts must be an array of host names, e.g. ["sandbox.example.org"]');
  }
  for (const name of config.allowedHosts) {
    if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._:-]{1,253})$/.test(name)) {
      throw new ConfigError(
        `--allowed-host "${name}" must be a host name or address, e.g. sandbox.example.org`,
      );
    }
  }
  for (const [flag, value] of [
    ['--journal-budget', config.journalBudgetBytes],
    ['--max-held', config.maxHeld],
    ['--max-snapshot', config.maxSnapshotBytes],
  ] as const) {
    if (value < 1 || !Number.isInteger(value)) {
      throw new ConfigError(`${flag} must be a positive integer, got ${value}`);
    }
  }
  if (config.tls?.requireClientCert && !config.tls.ca) {
    throw new ConfigError('--require-client-cert needs --tls-ca FILE: the CA that signs client certificates');
  }
  if (config.journalSize < 1 || !Number.isInteger(config.journalSize)) {
    throw new ConfigError(`--journal-size must be a positive integer, got ${config.journalSize}`);
  }
  if (config.maxSessions < 1 || !Number.isInteger(config.maxSessions)) {
    throw new ConfigError(`--max-sessions must be a positive integer, got ${config.maxSessions}`);
  }
}
