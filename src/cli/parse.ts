import { InvalidArgumentError } from 'commander';

/** Flag parsers: a bad value is refused by name, before anything starts. */

export function integer(flag: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value))
      throw new InvalidArgumentError(`${flag} must be a whole number, got "${value}"`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`${flag} must be from ${min} to ${max}, got ${n}`);
    return n;
  };
}

/** An http(s) URL flag (`flag` names it in the refusal). */
export function url(flag: string) {
  return (value: string): string => {
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http');
    } catch {
      throw new InvalidArgumentError(
        `${flag} must be an http(s) URL such as https://sandbox.example.org, got "${value}"`,
      );
    }
    return value;
  };
}

export function asid(value: string): string {
  if (!/^\d{12}$/.test(value)) throw new InvalidArgumentError(`ASIDs are 12 digits, got "${value}"`);
  return value;
}

/** A flag value that reads as a number becomes one; anything else stays text for the options schema to refuse by name. */
export function numeral(value: string): number | string {
  return /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
}
