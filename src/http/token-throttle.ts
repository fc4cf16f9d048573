import type { SandboxConfig } from '../config.js';

/** After this many wrong admin tokens from one client address within the window, 429. */
export const TOKEN_THROTTLE = { failures: 5, windowMs: 60_000 };

/** Client addresses remembered at most (the oldest is forgotten first). */
const MAX_ADDRESSES = 10_000;

/**
 * Throttles guesses at the admin token (X-Admin-Token on /_admin and with X-Sandbox-Fault): after
 * `failures` wrong tokens from one client address within `windowMs`, every request of that
 * address carrying a token is refused with 429 until the oldest of them leaves the window, right
 * token or not, so guessing runs at a few tries a minute (OWASP Authentication Cheat Sheet,
 * "Protect against automated attacks"). Real time, never the sandbox clock.
 */
export class TokenThrottle {
  private readonly failures = new Map<string, number[]>();
  private readonly limit: number;
  private readonly windowMs: number;

  constructor(
    config: Pick<SandboxConfig, 'tokenThrottle'>,
    private readonly now: () => number = Date.now,
  ) {
    this.limit = config.tokenThrottle?.failures ?? TOKEN_THROTTLE.failures;
    this.windowMs = config.tokenThrottle?.windowMs ?? TOKEN_THROTTLE.windowMs;
  }

  /** Seconds the address must wait before its next try, or undefined when it may try now. */
  retryAfter(address: string | undefined): number | undefined {
    const recent = this.recent(address ?? '');
    if (recent.length < this.limit) return undefined;
    return Math.max(1, Math.ceil((recent[recent.length - this.limit]! + this.windowMs - this.now()) / 1000));
  }

  /** Record a wrong token from the address. */
  fail(address: string | undefined): void {
    const key = address ?? '';
    const recent = this.recent(key);
    recent.push(this.now());
    if (recent.length > this.limit) recent.splice(0, recent.length - this.limit);
    this.failures.delete(key);
    this.failures.set(key, recent);
    if (this.failures.size > MAX_ADDRESSES) this.failures.delete(this.failures.keys().next().value!);
  }

  private recent(key: string): number[] {
    const since = this.now() - this.windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > since);
    if (list.length === 0) this.failures.delete(key);
    return list;
  }
}
