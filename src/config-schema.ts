/**
 * The one schema of the sandbox's options: createSandbox() and startSandbox() validate their
 * options with it, and the CLI (`gpc-sandbox start`) hands its flags to startSandbox() unvalidated
 * (numbers as numbers), so a bad value gets the same ConfigError through both, naming the option
 * (the CLI prints it with the flag's name: `port` → `--port`).
 *
 * The public option types (SandboxOptions, SandboxConfig in config.ts) are written without zod so
 * that the published .d.ts need no zod types; a compile-time check below keeps them equal to this
 * schema's input.
 */
import type * as Z from 'zod';
import { parseDuration } from './application/clock-control.js';
import {
  ConfigError,
  checkConfig,
  DEFAULT_CONFIG,
  parseSize,
  type SandboxConfig,
  type SandboxOptions,
} from './config.js';
import { z } from './config-zod.js';
import { inClockRange } from './domain/clock.js';
import { parseZonedInstant, ZONED_INSTANT_RULE } from './domain/instant.js';
import { PROFILE_NAMES } from './profiles/index.js';

/** A value as a message shows it: strings quoted, the rest as JSON (cut short). */
function show(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (value === undefined) return 'undefined';
  const text = typeof value === 'number' && !Number.isFinite(value) ? String(value) : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const BASE_PATH = /^(\/[A-Za-z0-9._~-]+)+\/?$/;
const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.%A-Za-z]*)$/;

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Built on first use, like the project's other zod schemas. Every start checks its options; the
 * builders come from config-zod.ts, which the build bundles without the rest of zod, so a start
 * does not pay for loading all of zod (about 0.1 s of CPU).
 */
function buildSchema() {
  /** Every problem says what is expected and what it got. */
  const rule = (problem: string) => ({
    error: (iss: { input?: unknown }) => `${problem}, got ${show(iss.input)}`,
  });
  const whole = (min: number, max: number) => {
    const r = rule(`must be a whole number from ${min} to ${max}`);
    return z.number(r).int(r).min(min, r).max(max, r);
  };
  const text = (problem: string) => z.string(rule(problem)).regex(/\S/, rule(problem));
  const msTimeout = whole(1, 2 ** 31 - 1);
  const sizeRule = rule('must be a size such as 64MB, 512KB or 1048576 (bytes)');
  const size = z
    .union([z.number(sizeRule), z.string(sizeRule)], sizeRule)
    .refine((v) => parseSize(v) !== undefined, sizeRule);
  const ttl = rule(
    'must be a positive ISO duration such as PT30M or PT2H, or a whole number of milliseconds',
  );
  return z.strictObject(
    {
      port: whole(0, 65_535).optional(),
      host: z
        .string(rule('must be a host name or an IP address'))
        .max(253, rule('must be a host name or an IP address'))
        .regex(HOST, rule('must be a host name or an IP address'))
        .optional(),
      profile: z.enum(PROFILE_NAMES, rule(`must be one of ${PROFILE_NAMES.join(', ')}`)).optional(),
      seed: text('must be a seed directory path').optional(),
      scenario: text('must be a bundled scenario name or a scenario file path').optional(),
      db: text('must be a file path or a redis://HOST:PORT URL').optional(),
      redisPrefix: z
        // No ':': the sandbox separates its keys with it, so a prefix could reach into another's.
        .string(rule('must be 1-64 letters, digits or . _ -'))
        .regex(/^[A-Za-z0-9._-]{1,64}$/, rule('must be 1-64 letters, digits or . _ -'))
        .optional(),
      fsync: z.boolean(rule('must be true or false')).optional(),
      basePath: z
        .string(rule('must look like /A20047/STU3/1/gpconnect'))
        .refine(
          (path) => path.trim() === '' || path.trim() === '/' || BASE_PATH.test(path.trim()),
          rule('must look like /A20047/STU3/1/gpconnect (segments of letters, digits, . _ ~ -)'),
        )
        .optional(),
      publicUrl: z
        .string(rule('must be an http(s) URL such as https://sandbox.example.org'))
        .refine(isHttpUrl, rule('must be an http(s) URL such as https://sandbox.example.org'))
        .optional(),
      auth: z.enum(['strict', 'lenient', 'off'], rule('must be one of strict, lenient, off')).optional(),
      providerAsid: z
        .string(rule('must be an ASID: 12 digits'))
        .regex(/^\d{12}$/, rule('must be an ASID: 12 digits'))
        .optional(),
      randomSeed: whole(0, 2 ** 31 - 1).optional(),
      clock: z
        .string(rule(ZONED_INSTANT_RULE))
        .refine((s) => parseZonedInstant(s) !== undefined, rule(ZONED_INSTANT_RULE))
        .refine(
          (s) => inClockRange(parseZonedInstant(s) ?? 0),
          rule('must be an instant from 1970-01-01T00:00:00Z to 9998-12-31T23:59:59Z'),
        )
        .optional(),
      adminToken: text('must be a non-empty secret').optional(),
      journalSize: whole(1, 100_000).optional(),
      sessionTtl: z
        .union(
          [
            z.number(ttl).int(ttl).positive(ttl),
            z.string(ttl).refine((s) => (parseDuration(s) ?? 0) > 0, ttl),
          ],
          ttl,
        )
        .optional(),
      maxSessions: whole(1, 100_000).optional(),
      watch: z.boolean(rule('must be true or false')).optional(),
      allowedHosts: z
        .array(
          z
            .string(rule('must be host names or addresses, e.g. ["sandbox.example.org"]'))
            .regex(
              /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._:-]{1,253})$/,
              rule('must be host names or addresses, e.g. ["sandbox.example.org"]'),
            ),
          rule('must be an array of host names, e.g. ["sandbox.example.org"]'),
        )
        .optional(),
      journalBudget: size.optional(),
      maxHeld: whole(1, 100_000).optional(),
      headerFaults: z.boolean(rule('must be true or false')).optional(),
      maxSnapshot: size.optional(),
      tokenThrottle: z
        .strictObject(
          { failures: whole(1, Number.MAX_SAFE_INTEGER), windowMs: msTimeout },
          rule('must be {failures, windowMs}'),
        )
        .optional(),
      cors: z.boolean(rule('must be true or false (--cors on|off)')).optional(),
      tls: z
        .strictObject(
          {
            cert: text('must be a PEM file path (the certificate and its private key go together)'),
            key: text('must be a PEM file path (the certificate and its private key go together)'),
            ca: text('must be a PEM file path').optional(),
            requireClientCert: z.boolean(rule('must be true or false')).optional(),
          },
          rule('must be {cert, key, ca?, requireClientCert?}'),
        )
        .optional(),
      log: z
        .custom<NonNullable<SandboxOptions['log']>>(
          (v) => typeof v === 'function',
          rule('must be a function (level, message, fields) => void'),
        )
        .optional(),
      timeouts: z
        .strictObject(
          {
            headersMs: msTimeout.optional(),
            requestMs: msTimeout.optional(),
            keepAliveMs: msTimeout.optional(),
          },
          rule('must be {headersMs?, requestMs?, keepAliveMs?}'),
        )
        .optional(),
    },
    rule('must be an object of options'),
  );
}

type OptionsSchema = ReturnType<typeof buildSchema>;
let built: OptionsSchema | undefined;
function schema(): OptionsSchema {
  built ??= buildSchema();
  return built;
}

/** Every option createSandbox() / startSandbox() accept, as the schema lists them. */
export function optionNames(): string[] {
  return Object.keys(schema().shape);
}

/** The option a zod issue is about: `port`, `tls.cert`; '' for the options object itself. */
function optionOf(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/**
 * Validate createSandbox()/startSandbox() options and resolve them over the defaults.
 * Throws ConfigError naming the first bad option (`option`, `problem`), or a cross-option rule
 * (a non-loopback host without an admin token, a client certificate without a CA).
 */
export function resolveOptions(options: unknown, defaults: Partial<SandboxConfig> = {}): SandboxConfig {
  const result = schema().safeParse(options ?? {}, { reportInput: true });
  if (!result.success) {
    const issue = result.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      const key = optionOf([...issue.path, issue.keys[0]!]);
      throw ConfigError.forOption(key, 'is not an option of createSandbox() / startSandbox()');
    }
    const option = optionOf(issue.path);
    if (issue.code === 'invalid_type' && issue.input === undefined && option)
      throw ConfigError.forOption(option, `is required: it ${issue.message.replace(/, got undefined$/, '')}`);
    throw ConfigError.forOption(option || 'options', issue.message);
  }
  const { sessionTtl, basePath, journalBudget, maxSnapshot, allowedHosts, ...rest } = result.data;
  const config: SandboxConfig = { ...DEFAULT_CONFIG, ...defaults, ...stripUndefined(rest) };
  if (allowedHosts !== undefined) config.allowedHosts = [...allowedHosts];
  if (journalBudget !== undefined) config.journalBudgetBytes = parseSize(journalBudget)!;
  if (maxSnapshot !== undefined) config.maxSnapshotBytes = parseSize(maxSnapshot)!;
  if (basePath !== undefined) config.basePath = normalise(basePath);
  if (sessionTtl !== undefined)
    config.sessionTtlMs = typeof sessionTtl === 'number' ? sessionTtl : parseDuration(sessionTtl)!;
  checkConfig(config);
  return config;
}

/** '' or '/x/y' without a trailing slash (the schema has checked its form). */
function normalise(path: string): string {
  const trimmed = path.trim();
  return trimmed === '/' ? '' : trimmed.replace(/\/$/, '');
}

/**
 * A FHIR base path as `--base-path` takes it, normalised ('' for the root, no trailing slash), for
 * commands that take the flag without starting a sandbox (`gpc-sandbox postman`). Throws the
 * ConfigError the options schema would, naming `basePath`.
 */
export function resolveBasePath(path: string): string {
  return resolveOptions({ basePath: path }).basePath;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// The public, zod-free SandboxOptions type and this schema's input must stay the same shape.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Required_<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };
const optionsMatchSchema: Same<Required_<Z.input<OptionsSchema>>, Required_<SandboxOptions>> = true;
void optionsMatchSchema;
