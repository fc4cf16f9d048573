import { describe, expect, it } from 'vitest';
import { mulberry32, ruleRng, ruleSeed, sampleDelay } from './random.js';

function draws(n: number, f: () => number): number[] {
  return Array.from({ length: n }, f);
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

describe('seeded generators', () => {
  it('give the same sequence for the same seed and a different one for another', () => {
    expect(draws(5, mulberry32(42))).toEqual(draws(5, mulberry32(42)));
    expect(draws(5, mulberry32(42))).not.toEqual(draws(5, mulberry32(43)));
  });

  it('stay within [0, 1)', () => {
    const xs = draws(10_000, mulberry32(1));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });

  it('derive one seed per rule from the scenario seed and the rule name', () => {
    expect(ruleSeed(7, 'a')).toBe(ruleSeed(7, 'a'));
    expect(ruleSeed(7, 'a')).not.toBe(ruleSeed(7, 'b'));
    expect(ruleSeed(7, 'a')).not.toBe(ruleSeed(8, 'a'));
    expect(ruleRng(7, 'a')()).toBe(ruleRng(7, 'a')());
  });
});

describe('sampleDelay over 10,000 draws with a fixed seed', () => {
  const N = 10_000;

  it('returns a fixed delay exactly', () => {
    const rng = mulberry32(1);
    expect(new Set(draws(N, () => sampleDelay({ fixed: 1500 }, rng)))).toEqual(new Set([1500]));
  });

  it('keeps a uniform delay within its bounds, whole, with the expected mean', () => {
    const rng = mulberry32(2);
    const xs = draws(N, () => sampleDelay({ uniform: [200, 2000] }, rng));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(200);
    expect(Math.max(...xs)).toBeLessThanOrEqual(2000);
    expect(xs.every(Number.isInteger)).toBe(true);
    const mean = xs.reduce((a, b) => a + b, 0) / N;
    expect(mean).toBeGreaterThan(1100 * 0.97);
    expect(mean).toBeLessThan(1100 * 1.03);
    expect(Math.min(...xs)).toBeLessThan(250);
    expect(Math.max(...xs)).toBeGreaterThan(1950);
  });

  it('fits a lognormal delay to its median and p99 (within 10%) and caps it at max', () => {
    const rng = mulberry32(3);
    const xs = draws(N, () => sampleDelay({ lognormal: { median: 800, p99: 6000, max: 15000 } }, rng)).sort(
      (a, b) => a - b,
    );
    expect(quantile(xs, 0.5)).toBeGreaterThan(800 * 0.9);
    expect(quantile(xs, 0.5)).toBeLessThan(800 * 1.1);
    expect(quantile(xs, 0.99)).toBeGreaterThan(6000 * 0.9);
    expect(quantile(xs, 0.99)).toBeLessThan(6000 * 1.1);
    expect(xs.at(-1)).toBeLessThanOrEqual(15000);
  });

  it('piles the tail onto max when max is tight', () => {
    const rng = mulberry32(4);
    const xs = draws(N, () => sampleDelay({ lognormal: { median: 100, p99: 1000, max: 1000 } }, rng));
    expect(Math.max(...xs)).toBe(1000);
    const capped = xs.filter((x) => x === 1000).length / N;
    expect(capped).toBeGreaterThan(0.005);
    expect(capped).toBeLessThan(0.02);
  });
});
