import { truncateChars } from './text.js';
/**
 * NHS numbers: 10 digits, the last a modulus-11 check digit (digest §6, after DEMO's
 * NhsCodeValidator). Seed patients use the 999 range, which is never issued but still passes.
 */

/** The check digit for nine leading digits, or undefined when there is none (the sum gives 10). */
export function nhsCheckDigit(first9: string): number | undefined {
  if (!/^\d{9}$/.test(first9)) return undefined;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (first9.charCodeAt(i) - 48) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 10) return undefined;
  return check === 11 ? 0 : check;
}

/** A sentence saying why `s` is not a valid NHS number, or undefined when it is one. */
export function nhsNumberProblem(s: string): string | undefined {
  // Quote at most 20 characters: the value may be a whole request body's worth of junk.
  const shown = JSON.stringify(truncateChars(s, 20));
  if (s.length !== 10) {
    return `NHS number ${shown} has ${s.length} characters; an NHS number is exactly 10 digits with no spaces`;
  }
  if (!/^\d{10}$/.test(s)) {
    return `NHS number ${shown} contains characters other than digits; an NHS number is exactly 10 digits with no spaces`;
  }
  const check = nhsCheckDigit(s.slice(0, 9));
  if (check === undefined) {
    return `NHS number ${shown} fails the modulus-11 check: no NHS number starts ${s.slice(0, 9)} (its check digit would be 10)`;
  }
  if (check !== s.charCodeAt(9) - 48) {
    return `NHS number ${shown} fails the modulus-11 check: its last digit should be ${check}, not ${s[9]}`;
  }
  return undefined;
}

export function isValidNhsNumber(s: string): boolean {
  return nhsNumberProblem(s) === undefined;
}

/**
 * `count` distinct valid NHS numbers in the synthetic 999 range, drawn from `rng` (uniform in
 * [0, 1)) so the same generator gives the same numbers. Numbers in `taken` are never returned.
 */
export function syntheticNhsNumbers(
  count: number,
  rng: () => number,
  taken: ReadonlySet<string> = new Set(),
): string[] {
  // 999000000..999999999 holds about 909,000 valid numbers; stay well below so draws stay quick.
  if (count > 100_000) throw new RangeError(`at most 100000 synthetic NHS numbers, asked for ${count}`);
  const out: string[] = [];
  const seen = new Set(taken);
  while (out.length < count) {
    const first9 = `999${String(Math.floor(rng() * 1_000_000)).padStart(6, '0')}`;
    const check = nhsCheckDigit(first9);
    if (check === undefined) continue;
    const nhs = `${first9}${check}`;
    if (seen.has(nhs)) continue;
    seen.add(nhs);
    out.push(nhs);
  }
  return out;
}
