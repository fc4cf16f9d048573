/** `--db redis://HOST:PORT[/DB]`: what the option names, checked before anything connects. */
export interface RedisTarget {
  /** The URL as given, without any password (for messages and logs). */
  display: string;
  host: string;
  port: number;
  /** Logical database number (SELECT), 0 by default. */
  db: number;
  username?: string;
  password?: string;
  /** rediss:// (TLS). */
  tls: boolean;
}

/** True when a --db value names Redis rather than a file. */
export function isRedisUrl(value: string): boolean {
  return /^rediss?:\/\//i.test(value);
}

/**
 * Parse `redis://[user:password@]HOST[:PORT][/DB]` (or rediss:// for TLS). Returns the problem as
 * a sentence when the URL cannot name a Redis (bad port, a path that is not a database number
 * 0-15, a query string).
 */
export function parseRedisUrl(value: string): RedisTarget | string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be a URL such as redis://127.0.0.1:6379 or redis://redis.internal:6379/2';
  }
  const tls = url.protocol === 'rediss:';
  if (url.protocol !== 'redis:' && !tls) return 'must start with redis:// or rediss://';
  if (url.hostname === '') return 'must name a host, e.g. redis://127.0.0.1:6379';
  if (url.search !== '' || url.hash !== '') return 'must not carry a query string or fragment';
  const path = url.pathname.replace(/^\//, '');
  if (path !== '' && !/^(?:[0-9]|1[0-5])$/.test(path)) {
    return `names database "${decodeURIComponent(path)}": the path must be a database number from 0 to 15`;
  }
  const port = url.port === '' ? 6379 : Number(url.port);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const shown = new URL(url.href);
  shown.password = '';
  shown.username = '';
  return {
    display: shown.href.replace(/\/$/, ''),
    host,
    port,
    db: path === '' ? 0 : Number(path),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    tls,
  };
}
