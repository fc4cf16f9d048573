import { type Command, Option } from 'commander';
import { startSandbox } from '../index.js';
import { fail, stderrLogger } from './output.js';
import { asid, duration, instant, integer, size, url } from './parse.js';

interface StartFlags {
  port: number;
  host: string;
  profile: 'careconnect' | 'gpconnect-1.2.7';
  seed?: string;
  scenario?: string;
  db?: string;
  fsync?: boolean;
  basePath?: string;
  publicUrl?: string;
  auth: 'strict' | 'lenient' | 'off';
  providerAsid: string;
  randomSeed: number;
  clock?: string;
  adminToken?: string;
  journalSize: number;
  sessionTtl: string;
  maxSessions: number;
  quiet?: boolean;
  logFormat: 'text' | 'json';
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  requireClientCert?: boolean;
  allowedHost: string[];
  journalBudget: string;
  maxHeld: number;
  headerFaults: boolean;
  maxSnapshot: string;
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('serve the sandbox (the ready line on stdout, logs on stderr)')
    .option('--port <n>', 'port; 0 picks a free one', integer('--port', 0, 65535), 4000)
    .option(
      '--host <host>',
      'address to listen on (non-loopback needs an --admin-token of 16+ characters)',
      '127.0.0.1',
    )
    .addOption(
      new Option('--profile <name>', 'spec profile')
        .choices(['careconnect', 'gpconnect-1.2.7'])
        .default('careconnect'),
    )
    .option('--seed <dir>', "seed directory (default: the package's own seed/)")
    .option('--scenario <name|file>', 'a bundled scenario name or a scenario file')
    .option('--db <file>', 'keep the default state in this JSON file across restarts')
    .option('--fsync', 'also fsync each write (survives power loss, slower)')
    .option('--base-path <path>', 'FHIR base path, e.g. /A20047/STU3/1/gpconnect', '')
    .option('--public-url <url>', 'external origin behind a proxy, used in Location headers', url)
    .addOption(
      new Option('--auth <mode>', 'GP Connect envelope checks')
        .choices(['strict', 'lenient', 'off'])
        .default('strict'),
    )
    .option('--provider-asid <asid>', "this provider's ASID (Ssp-To)", asid, '918999198993')
    .option('--random-seed <n>', 'seed for fault generators', integer('--random-seed', 0, 2 ** 31 - 1), 1)
    .option('--clock <instant>', 'start the sandbox clock frozen at this instant', instant)
    .option('--admin-token <token>', 'require X-Admin-Token on the admin API')
    .option('--journal-size <n>', 'requests kept in the journal', integer('--journal-size', 1, 100_000), 500)
    .option('--session-ttl <duration>', 'idle time before a session expires', duration, 'PT30M')
    .option('--max-sessions <n>', 'sessions at most', integer('--max-sessions', 1, 100_000), 1000)
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
    .option(
      '--allowed-host <name>',
      'also answer requests whose Host is this name (repeatable; loopback, --host and the --public-url host always are)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--journal-budget <size>',
      'bytes all journals keep together, oldest entries dropped first',
      size('--journal-budget'),
      '64MB',
    )
    .option(
      '--max-held <n>',
      'connections faults may hold at once (hang, long delays); beyond, the fault is skipped with a warning',
      integer('--max-held', 1, 100_000),
      100,
    )
    .option('--no-header-faults', 'ignore the X-Sandbox-Fault request header (a warning says so)')
    .option(
      '--max-snapshot <size>',
      'largest PUT /_admin/snapshot body (413 beyond)',
      size('--max-snapshot'),
      '16MB',
    )
    .action(async (flags: StartFlags) => {
      if (Boolean(flags.tlsCert) !== Boolean(flags.tlsKey))
        fail(configError('--tls-cert and --tls-key go together'));
      if ((flags.tlsCa || flags.requireClientCert) && !flags.tlsCert)
        fail(configError('--tls-ca and --require-client-cert need --tls-cert and --tls-key'));
      const log = flags.quiet ? undefined : stderrLogger(flags.logFormat);
      let sandbox: Awaited<ReturnType<typeof startSandbox>>;
      try {
        sandbox = await startSandbox({
          port: flags.port,
          host: flags.host,
          profile: flags.profile,
          seed: flags.seed,
          scenario: flags.scenario,
          db: flags.db,
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
          allowedHosts: flags.allowedHost,
          journalBudget: flags.journalBudget,
          maxHeld: flags.maxHeld,
          headerFaults: flags.headerFaults,
          maxSnapshot: flags.maxSnapshot,
          ...(flags.tlsCert && flags.tlsKey
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
        });
      } catch (error) {
        fail(error);
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

      // One write, so a reader that sees the ready line also sees the base.
      process.stdout.write(
        `gpc-sandbox listening on ${sandbox.url}\n${sandbox.fhirBase !== sandbox.url ? `FHIR base: ${sandbox.fhirBase}\n` : ''}`,
      );
      log?.(
        'info',
        `profile ${flags.profile}, auth ${flags.auth}, ${flags.db ? `db ${flags.db}` : 'in memory'}; admin page ${sandbox.url}/_admin/`,
      );
    });
}

function configError(message: string): Error {
  const error = new Error(message);
  error.name = 'ConfigError';
  return error;
}
