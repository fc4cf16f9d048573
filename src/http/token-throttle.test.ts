import { describe, expect, it } from 'vitest';
import { TOKEN_THROTTLE, TokenThrottle } from './token-throttle.js';

describe('TokenThrottle', () => {
  it('allows a few wrong tokens per address in a window, then asks to wait until the oldest leaves it', () => {
    let now = 1_000_000;
    const throttle = new TokenThrottle({}, () => now);
    for (let i = 0; i < TOKEN_THROTTLE.failures; i++) {
      expect(throttle.retryAfter('10.0.0.1')).toBeUndefined();
      throttle.fail('10.0.0.1');
      now += 1000;
    }
    // The first failure was 5 s ago: 55 s to wait.
    expect(throttle.retryAfter('10.0.0.1')).toBe(55);
    // Another address is not affected.
    expect(throttle.retryAfter('10.0.0.2')).toBeUndefined();
    now += 55_000;
    expect(throttle.retryAfter('10.0.0.1')).toBeUndefined();
    // One more failure while four are still in the window throttles again.
    throttle.fail('10.0.0.1');
    expect(throttle.retryAfter('10.0.0.1')).toBeGreaterThan(0);
  });

  it('takes its limits from the configuration', () => {
    const throttle = new TokenThrottle({ tokenThrottle: { failures: 2, windowMs: 10_000 } }, () => 0);
    throttle.fail(undefined);
    expect(throttle.retryAfter(undefined)).toBeUndefined();
    throttle.fail(undefined);
    expect(throttle.retryAfter(undefined)).toBe(10);
  });
});
