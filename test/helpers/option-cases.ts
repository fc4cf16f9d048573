/**
 * Bad option values, one or more per option of createSandbox() / startSandbox(), and the CLI flags
 * that say the same where a flag can (issue 15 §4: one schema, the same refusal through both).
 */
export interface BadOption {
  /** The option the ConfigError must name. */
  option: string;
  /** Passed to createSandbox() / startSandbox(). */
  options: Record<string, unknown>;
  /** The same value as `gpc-sandbox start` flags (one case per flag: each is a process start). */
  cli?: string[];
  /** The flag the CLI's message starts with. */
  flag?: string;
}

const TLS = { cert: 'cert.pem', key: 'key.pem' };

export const BAD_OPTIONS: BadOption[] = [
  { option: 'port', options: { port: -5 }, cli: ['--port', '-5'], flag: '--port' },
  { option: 'port', options: { port: 'x' } },
  { option: 'port', options: { port: 70_000 } },
  { option: 'port', options: { port: 1.5 } },
  { option: 'host', options: { host: 'bad host' }, cli: ['--host', 'bad host'], flag: '--host' },
  { option: 'host', options: { host: '0.0.0.0' }, cli: ['--host', '0.0.0.0'], flag: '--host' },
  { option: 'profile', options: { profile: 'nope' }, cli: ['--profile', 'nope'], flag: '--profile' },
  { option: 'seed', options: { seed: '' }, cli: ['--seed', ''], flag: '--seed' },
  { option: 'scenario', options: { scenario: ' ' }, cli: ['--scenario', ' '], flag: '--scenario' },
  { option: 'db', options: { db: '' }, cli: ['--db', ''], flag: '--db' },
  { option: 'db', options: { db: 42 } },
  {
    option: 'db',
    options: { db: 'redis://127.0.0.1:6379/99' },
    cli: ['--db', 'redis://127.0.0.1:6379/99'],
    flag: '--db',
  },
  { option: 'db', options: { db: 'redis://:6379' } },
  { option: 'fsync', options: { db: 'redis://127.0.0.1:6379', fsync: true } },
  {
    option: 'redisPrefix',
    options: { db: 'redis://127.0.0.1:6379', redisPrefix: 'two words' },
    cli: ['--db', 'redis://127.0.0.1:6379', '--redis-prefix', 'two words'],
    flag: '--redis-prefix',
  },
  {
    option: 'redisPrefix',
    options: { redisPrefix: 'demo' },
    cli: ['--redis-prefix', 'demo'],
    flag: '--redis-prefix',
  },
  { option: 'fsync', options: { fsync: 'yes' } },
  {
    option: 'basePath',
    options: { basePath: 'no/leading/slash' },
    cli: ['--base-path', 'no/leading/slash'],
    flag: '--base-path',
  },
  {
    option: 'publicUrl',
    options: { publicUrl: 'ftp://example.org' },
    cli: ['--public-url', 'ftp://example.org'],
    flag: '--public-url',
  },
  { option: 'auth', options: { auth: 'maybe' }, cli: ['--auth', 'maybe'], flag: '--auth' },
  {
    option: 'providerAsid',
    options: { providerAsid: 'x' },
    cli: ['--provider-asid', 'x'],
    flag: '--provider-asid',
  },
  { option: 'providerAsid', options: { providerAsid: 918999198993 } },
  { option: 'randomSeed', options: { randomSeed: -1 }, cli: ['--random-seed', '-1'], flag: '--random-seed' },
  { option: 'clock', options: { clock: 'next tuesday' } },
  { option: 'clock', options: { clock: 'garbage' } },
  {
    option: 'clock',
    options: { clock: '2026-06-02T09:00:00' },
    cli: ['--clock', '2026-06-02T09:00:00'],
    flag: '--clock',
  },
  { option: 'clock', options: { clock: '2026-02-30T09:00:00Z' } },
  { option: 'clock', options: { clock: Date.UTC(2026, 5, 2) } },
  { option: 'adminToken', options: { adminToken: '' }, cli: ['--admin-token', ''], flag: '--admin-token' },
  {
    option: 'journalSize',
    options: { journalSize: 0 },
    cli: ['--journal-size', '0'],
    flag: '--journal-size',
  },
  { option: 'sessionTtl', options: { sessionTtl: 'PT0S' } },
  {
    option: 'sessionTtl',
    options: { sessionTtl: 'forever' },
    cli: ['--session-ttl', 'forever'],
    flag: '--session-ttl',
  },
  { option: 'sessionTtl', options: { sessionTtl: -1 } },
  {
    option: 'maxSessions',
    options: { maxSessions: 0 },
    cli: ['--max-sessions', '0'],
    flag: '--max-sessions',
  },
  { option: 'tls', options: { tls: 'cert.pem' } },
  {
    option: 'tls.cert',
    options: { tls: { key: 'key.pem' } },
    cli: ['--tls-key', 'key.pem'],
    flag: '--tls-cert',
  },
  {
    option: 'tls.key',
    options: { tls: { cert: 'cert.pem' } },
    cli: ['--tls-cert', 'cert.pem'],
    flag: '--tls-key',
  },
  { option: 'tls.cert', options: { tls: { ca: 'ca.pem' } } },
  {
    option: 'tls.ca',
    options: { tls: { ...TLS, requireClientCert: true } },
    cli: ['--tls-cert', 'cert.pem', '--tls-key', 'key.pem', '--require-client-cert'],
    flag: '--require-client-cert',
  },
  { option: 'tls.requireClientCert', options: { tls: { ...TLS, requireClientCert: 'yes' } } },
  { option: 'watch', options: { watch: 'yes' } },
  { option: 'cors', options: { cors: 'off' } },
  {
    option: 'allowedHosts.0',
    options: { allowedHosts: ['bad host'] },
    cli: ['--allowed-host', 'bad host'],
    flag: '--allowed-host',
  },
  { option: 'allowedHosts', options: { allowedHosts: 'sandbox.example.org' } },
  {
    option: 'journalBudget',
    options: { journalBudget: 'lots' },
    cli: ['--journal-budget', 'lots'],
    flag: '--journal-budget',
  },
  { option: 'journalBudget', options: { journalBudget: 0 } },
  { option: 'maxHeld', options: { maxHeld: 0 }, cli: ['--max-held', '0'], flag: '--max-held' },
  { option: 'headerFaults', options: { headerFaults: 'no' } },
  {
    option: 'maxSnapshot',
    options: { maxSnapshot: '16 parsecs' },
    cli: ['--max-snapshot', '16 parsecs'],
    flag: '--max-snapshot',
  },
  { option: 'tokenThrottle.failures', options: { tokenThrottle: { failures: 0, windowMs: 1000 } } },
  {
    option: 'host',
    options: { host: '0.0.0.0', adminToken: 'short' },
    cli: ['--host', '0.0.0.0', '--admin-token', 'short'],
    flag: '--host',
  },
  { option: 'log', options: { log: 'loud' } },
  { option: 'timeouts.headersMs', options: { timeouts: { headersMs: 0 } } },
  { option: 'timeouts.later', options: { timeouts: { later: 1 } } },
  { option: 'prot', options: { prot: 4000 } },
];
