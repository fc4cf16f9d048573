import { isIP } from 'node:net';
import { SandboxError } from './domain/sandbox-error.js';
import { DEFAULT_PROFILE, type ProfileName } from './profiles/index.js';
import { isRedisUrl, parseRedisUrl } from './store/redis/redis-url.js';

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
  /**
   * JSON file keeping the default state across restarts, or `redis://HOST:PORT[/DB]`: every
   * world in Redis, shared by every replica started with the same URL and prefix. In memory when absent.
   */
  db?: string;
  /** Keeps several sandboxes in one Redis apart (`--redis-prefix`, default `gpc-sandbox`); only with a redis:// db. */
  redisPrefix?: string;
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

/**
 * Options of createSandbox() / startSandbox(): the CLI's flags in camelCase, each optional
 * (DEFAULT_CONFIG otherwise; startSandbox() listens on port 0, a free one, by default). Checked by
 * the same schema as the CLI's flags (config-schema.ts); a bad one throws ConfigError naming it.
 */
export type SandboxOptions = Partial<
  Omit<SandboxConfig, 'sessionTtlMs' | 'journalBudgetBytes' | 'maxSnapshotBytes'>
> & {
  /** Idle time (real time) before a session expires: ms, or an ISO duration such as PT30M. */
  sessionTtl?: number | string;
  /** Bytes all journals keep together (default 64 MB): a number of bytes or '64MB', '512KB'. */
  journalBudget?: number | string;
  /** Largest PUT /_admin/snapshot body (default 16 MB): a number of bytes or '16MB'. */
  maxSnapshot?: number | string;
};

export const DEFAULT_CONFIG: SandboxConfig = {
  port: 4000,
  host: '127.0.0.1',
  profile: DEFAULT_PROFILE,
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
  allowedHosts: [],
  journalBudgetBytes: 64 * 1024 * 1024,
  maxHeld: 100,
  headerFaults: true,
  maxSnapshotBytes: 16 * 1024 * 1024,
};

/** A non-loopback sandbox needs an admin token at least this long (a guessable one is no lock). */
export const MIN_EXPOSED_TOKEN_LENGTH = 16;

/**
 * A bad option or flag (createSandbox(), startSandbox(), `gpc-sandbox start`), or a server that
 * cannot start with them (port in use). `option` names the option when one is at fault
 * (`port`, `tls.cert`); `problem` is the message without it, which the CLI prints after the
 * flag's name (`--port must be ...`). The CLI exits 2 on it.
 */
export class ConfigError extends SandboxError {
  constructor(
    message: string,
    readonly option?: string,
    readonly problem?: string,
  ) {
    super('ConfigError', message);
  }

  /** `${option} ${problem}`, e.g. `port must be a whole number from 0 to 65535, got -5`. */
  static forOption(option: string, problem: string): ConfigError {
    return new ConfigError(`${option} ${problem}`, option, problem);
  }
}

/**
 * A size in bytes: a whole number of bytes, or with a unit, `512KB`, `64MB`, `1GB` (binary
 * multiples: 1 MB = 1,048,576 bytes). Undefined when it is neither.
 */
export function parseSize(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  const m = /^\s*(\d+)\s*(B|KB|MB|GB)?\s*$/i.exec(value);
  const units: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };
  const bytes = m ? Number(m[1]) * units[(m[2] ?? 'B').toUpperCase()]! : Number.NaN;
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
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

/** Checks that span several options; each option's own form is checked by config-schema.ts. */
export function checkConfig(config: SandboxConfig): void {
  if (!isLoopbackHost(config.host) && !config.adminToken) {
    throw new ConfigError(exposedTokenMessage(config.host), 'host');
  }
  if (
    config.adminToken !== undefined &&
    config.adminToken.length < MIN_EXPOSED_TOKEN_LENGTH &&
    !isLoopbackHost(config.host)
  ) {
    throw new ConfigError(exposedTokenMessage(config.host), 'host');
  }
  if (config.redisPrefix !== undefined && !(config.db !== undefined && isRedisUrl(config.db))) {
    throw ConfigError.forOption(
      'redisPrefix',
      'needs a redis:// db (--db redis://HOST:PORT): it names where in Redis the state lives',
    );
  }
  if (config.db !== undefined && isRedisUrl(config.db)) {
    const target = parseRedisUrl(config.db);
    if (typeof target === 'string') throw ConfigError.forOption('db', target);
    if (config.fsync) {
      throw ConfigError.forOption(
        'fsync',
        'applies to a --db FILE; with Redis, set its appendfsync (README "Running several replicas")',
      );
    }
  }
  if (config.tls?.requireClientCert && !config.tls.ca) {
    throw new ConfigError(
      '--require-client-cert needs --tls-ca FILE: the CA that signs client certificates',
      'tls.ca',
    );
  }
}
