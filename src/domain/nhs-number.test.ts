import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../faults/random.js';
import { isValidNhsNumber, nhsCheckDigit, nhsNumberProblem, syntheticNhsNumbers } from './nhs-number.js';

/** A small deterministic generator for the tests (mulberry32). */
const rngFrom = mulberry32;

describe('NHS numbers', () => {
  it.each(['9990000018', '9990000026', '9990000034', '9990000042', '9990000050', '9999999999'])(
    'accepts %s, which passes the modulus-11 check',
    (n) => {
      expect(isValidNhsNumber(n)).toBe(true);
      expect(nhsNumberProblem(n)).toBeUndefined();
    },
  );

  it('rejects every 999123456x: that prefix has no check digit (it comes out as 10)', () => {
    expect(nhsCheckDigit('999123456')).toBeUndefined();
    for (let d = 0; d <= 9; d++) {
      expect(isValidNhsNumber(`999123456${d}`)).toBe(false);
      expect(nhsNumberProblem(`999123456${d}`)).toMatch(/no NHS number starts 999123456/);
    }
  });

  it('maps a check of 11 to 0', () => {
    expect(nhsCheckDigit('999000005')).toBe(0);
    expect(isValidNhsNumber('9990000050')).toBe(true);
  });

  it.each([
    ['34555##4', /has 8 characters/],
    ['hello', /has 5 characters/],
    ['999999999', /has 9 characters/],
    ['999 000 0018', /has 12 characters/],
    ['99900000A8', /characters other than digits/],
    ['9990000019', /its last digit should be 8, not 9/],
  ])('says what is wrong with %s', (n, problem) => {
    expect(isValidNhsNumber(n)).toBe(false);
    expect(nhsNumberProblem(n)).toMatch(problem);
  });

  it('quotes at most 20 characters of a long value', () => {
    expect(nhsNumberProblem('9'.repeat(5000))).toContain(`"${'9'.repeat(20)}…"`);
  });

  it('generates distinct valid numbers in the 999 range, the same for the same generator', () => {
    const numbers = syntheticNhsNumbers(500, rngFrom(7));
    expect(new Set(numbers).size).toBe(500);
    for (const n of numbers) {
      expect(n).toMatch(/^999\d{7}$/);
      expect(isValidNhsNumber(n)).toBe(true);
    }
    expect(syntheticNhsNumbers(500, rngFrom(7))).toEqual(numbers);
    expect(syntheticNhsNumbers(500, rngFrom(8))).not.toEqual(numbers);
  });

  it('never returns a number that is already taken', () => {
    const first = syntheticNhsNumbers(5, rngFrom(1));
    const again = syntheticNhsNumbers(5, rngFrom(1), new Set(first));
    expect(again.filter((n) => first.includes(n))).toEqual([]);
  });
});
