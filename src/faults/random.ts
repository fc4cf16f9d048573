/**
 * Seeded randomness for faults. Each rule draws from its own generator, seeded from the scenario's
 * seed and the rule's name, so adding or reordering rules does not change another rule's draws.
 */
import type { FaultDelay } from './rule.js';

/**
 * A generator of uniform numbers in [0, 1). `state` is its whole state: `mulberry32(rng.state)`
 * continues the same sequence, so a shared store can carry a rule's generator between replicas.
 */
export type Rng = (() => number) & { readonly state: number };

/** mulberry32: 32 bits of state, fast, and plenty for fault injection (not for cryptography). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return Object.defineProperty(next, 'state', { get: () => a, enumerable: true }) as Rng;
}

/** FNV-1a over the seed and the name: one 32-bit seed per rule. */
export function ruleSeed(randomSeed: number, ruleName: string): number {
  let h = 0x811c9dc5;
  for (const ch of `${randomSeed}\u0000${ruleName}`) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function ruleRng(randomSeed: number, ruleName: string): Rng {
  return mulberry32(ruleSeed(randomSeed, ruleName));
}

/** Φ⁻¹(0.99): the 99th percentile of the standard normal. */
export const Z_99 = 2.3263;

/** One standard normal draw (Box–Muller); always consumes exactly two uniforms. */
function standardNormal(rng: () => number): number {
  const u1 = 1 - rng();
  const u2 = rng();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * A delay in whole milliseconds. `lognormal` is fitted to the median and 99th percentile
 * (mu = ln median, sigma = (ln p99 - mu) / Φ⁻¹(0.99)) and capped at `max`: a realistic latency tail.
 */
export function sampleDelay(delay: FaultDelay, rng: () => number): number {
  if ('fixed' in delay) return delay.fixed;
  if ('uniform' in delay) {
    const [min, max] = delay.uniform;
    return Math.min(max, Math.floor(min + (max - min + 1) * rng()));
  }
  const { median, p99, max } = delay.lognormal;
  const mu = Math.log(median);
  const sigma = (Math.log(p99) - mu) / Z_99;
  const value = Math.exp(mu + sigma * standardNormal(rng));
  return Math.round(Math.min(value, max ?? Number.POSITIVE_INFINITY));
}
