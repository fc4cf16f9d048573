import { type Command, Option } from 'commander';
import { ConfigError, type SandboxOptions, startSandbox } from '../index.js';
import { DEFAULT_PROFILE, PROFILE_NAMES } from '../profiles/index.js';
import { isRedisUrl, parseRedisUrl } from '../store/redis/redis-url.js';
import { fail, stderrLogger } from './output.js';
import { numeral } from './parse.js';

/** The flags as commander hands them over: not yet validated (startSandbox() does that). */
interface StartFlags {
  port: number | string;
  host: string;
  profile: string;
  seed?: string;
  scenario?: string;
  db?: string;
  redisPrefix?: string;
  fsync?: boolean;
  basePath?: string;
  publicUrl?: string;
  auth: string;
  providerAsid: string;
  randomSeed: number | string;
  clock?: string;
  adminToken?: string;
  journalSize: number | string;
  sessionTtl: string;
  maxSessions: number | string;
  quiet?: boolean;
  logFormat: 'text' | 'json';
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  requireClientCert?: boolean;
  watch?: boolean;
  cors: 'on' | 'off';
  allowedHost: string[];
  journalBudget: string;
  maxHeld: number | string;
  headerFaults: boolean;
  maxSnapshot: string;
}

/**
 * Every option's value is checked once, by the options schema behind startSandbox() (config-schema.ts),
 * so the CLI and the library refuse the same values with the same words; here flags only turn
 * numerals into numbers.
 */
export function registerStart(program: Command): void {
  program
    .command('start')
    .description('serve the sandbox (the ready line on stdout, logs on stderr)')
    .option('--port <n>', 'port; 0 picks a free one', numeral, 4000)
    .option(
      '--host <host>',
      'address to listen on (non-loopback needs an --admin-token of 16+ characters)',
      '127.0.0.1',
    )
    .option('--profile <name>', `spec profile: ${PROFILE_NAMES.join(' or ')}`, DEFAULT_PROFILE)
    .option('--seed <dir>', "seed directory (default: the package's own seed/)")
    .option('--scenario <name|file>', 'a bundled scenario name or a scenario file')
    .option('--watch', 're-arm the active scenario when its file (or the scenarios folder) changes')
    .option(
      '--db <file|url>',
      'keep the default state in this JSON file across restarts, or every world in Redis (redis://HOST:PORT[/DB]) shared by replicas',
    )
    .option(
      '--redis-prefix <name>',
      'with --db redis://…: key prefix keeping sandboxes in one Redis apart (default gpc-sandbox)',
    )
    .option('--fsync', 'also fsync each write (survives power loss, slower)')
    .option('--base-path <path>', 'FHIR base path, e.g. /A20047/STU3/1/gpconnect', '')
    .option('--public-url <url>', 'external origin behind a proxy, used in Location headers')
    .option('--auth <mode>', 'GP Connect envelope checks: strict, lenient or off', 'strict')
    .option('--provider-asid <asid>', "this provider's ASID (Ssp-To)", '918999198993')
    .option('--random-seed <n>', 'seed for fault generators', numeral, 1)
    .option('--clock <instant>', 'start the sandbox clock frozen at this instant (with Z or an offset)')
    .option('--admin-token <token>', 'require X-Admin-Token on the admin API')
    .option('--journal-size <n>', 'requests kept in the journal', numeral, 500)
    .option('--session-ttl <duration>', 'idle time (real time) before a session expires', 'PT30M')
    .option('--max-sessions <n>', 'sessions at most', numeral, 1000)
    .option('--quiet', 'no request logging')
    .addOption(
      new Option('--log-format <format>', 'log lines on stderr').choices(['text', 'json']).default('text'),
    )
    .option('--tls-cert <file>', 'serve https with this certificate (PEM)')
    .option('--tls-key <file>', 'the private key for --tls-cert (PEM)')
    .option('--tls-ca <file>', 'CA that signs client certificates (PEM)')
    .option(
      '--require-client-cert',
      'mutual TLS: a request without a certificate signed by --tls-ca gets 496',
    )
    .addOption(
      new Option('--cors <on|off>', 'CORS headers and preflight answers on the FHIR surface (never /_admin)')
        .choices(['on', 'off'])
        .default('on'),
    )
    .option(
      '--allowed-host <name>',
      'also answer requests whose Host is this name (repeatable; loopback, --host and the --public-url host always are)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--journal-budget <size>',
      'bytes all journals keep together, oldest entries dropped first',
      '64MB',
    )
    .option(
      '--max-held <n>',
      'connections faults may hold at once (hang, long delays); beyond, the fault is skipped with a warning',
      numeral,
      100,
    )
    .option('--no-header-faults', 'ignore the X-Sandbox-Fault request header (a warning says so)')
    .option('--max-snapshot <size>', 'largest PUT /_admin/snapshot body (413 beyond)', '16MB')
    .action(async (flags: StartFlags) => {
      const log = flags.quiet ? undefined : stderrLogger(flags.logFormat);
      const tls = flags.tlsCert || flags.tlsKey || flags.tlsCa || flags.requireClientCert;
      // Unvalidated on purpose: the options schema checks every value and names the flag.
      const options = {
        port: flags.port,
        host: flags.host,
        profile: flags.profile,
        seed: flags.seed,
        scenario: flags.scenario,
        db: flags.db,
        redisPrefix: flags.redisPrefix,
        fsync: Boolean(flags.fsync),
        basePath: flags.basePath ?? '',
        publicUrl: flags.publicUrl,
        auth: flags.auth,
        providerAsid: flags.providerAsid,
        randomSeed: flags.randomSeed,
        clock: flags.clock,
        adminToken: flags.adminToken,
        journalSize: flags.journalSize,
        sessionTtl: flags.sessionTtl,
        maxSessions: flags.maxSessions,
        watch: Boolean(flags.watch),
        cors: flags.cors === 'on',
        allowedHosts: flags.allowedHost,
        journalBudget: flags.journalBudget,
        maxHeld: flags.maxHeld,
        headerFaults: flags.headerFaults,
        maxSnapshot: flags.maxSnapshot,
        ...(tls
          ? {
              tls: {
                cert: flags.tlsCert,
                key: flags.tlsKey,
                ca: flags.tlsCa,
                requireClientCert: Boolean(flags.requireClientCert),
              },
            }
          : {}),
        log,
      } as SandboxOptions;
      let sandbox: Awaited<ReturnType<typeof startSandbox>>;
      try {
        sandbox = await startSandbox(options);
      } catch (error) {
        fail(asFlagError(error));
      }
      // Handlers first: a supervisor may signal the moment it reads the ready line.
      let stopping = false;
      const stop = (signal: NodeJS.Signals) => {
        if (stopping) process.exit(signal === 'SIGINT' ? 130 : 143);
        stopping = true;
        log?.('info', `${signal}: finishing in-flight requests (up to 5 s), then exiting`);
        sandbox.close().then(
          () => process.exit(0),
          (error: unknown) => fail(error),
        );
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      // The last resort: the library catches at its request boundary, so anything that still
      // escapes is a bug; log it and keep serving the other clients rather than exit.
      const lastResort = (kind: string) => (error: unknown) => {
        (log ?? stderrLogger(flags.logFormat))(
          'error',
          `${kind} (the sandbox keeps serving): ${(error as Error)?.stack ?? String(error)}`,
        );
      };
      process.on('uncaughtException', lastResort('uncaught exception'));
      process.on('unhandledRejection', lastResort('unhandled rejection'));

      // One write, so a reader that sees the ready line also sees the base.
      process.stdout.write(
        `gpc-sandbox listening on ${sandbox.url}\n${sandbox.fhirBase !== sandbox.url ? `FHIR base: ${sandbox.fhirBase}\n` : ''}`,
      );
      log?.(
        'info',
        `profile ${flags.profile}, auth ${flags.auth}, ${flags.db ? `db ${storeName(flags.db)}` : 'in memory'}; admin page ${sandbox.url}/_admin/`,
      );
    });
}

/** The --db value for the log: a Redis URL without its password. */
function storeName(db: string): string {
  if (!isRedisUrl(db)) return db;
  const target = parseRedisUrl(db);
  return typeof target === 'string' ? db : target.display;
}

const FLAGS: Record<string, string> = {
  'tls.cert': '--tls-cert',
  'tls.key': '--tls-key',
  'tls.ca': '--tls-ca',
  'tls.requireClientCert': '--require-client-cert',
  allowedHosts: '--allowed-host',
  headerFaults: '--no-header-faults',
};

/** An option's flag: `sessionTtl` → `--session-ttl`, `tls.cert` → `--tls-cert`. */
function flagOf(option: string): string {
  // A repeatable flag's n-th value (`allowedHosts.0`) is named by the flag.
  option = option.replace(/\.\d+$/, '');
  return FLAGS[option] ?? `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** A ConfigError about one option, reworded with the flag's name; the same problem text. */
export function asFlagError(error: unknown): unknown {
  if (!(error instanceof ConfigError) || !error.option || !error.problem) return error;
  return new ConfigError(`${flagOf(error.option)} ${error.problem}`, error.option, error.problem);
}
