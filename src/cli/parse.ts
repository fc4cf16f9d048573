import { InvalidArgumentError } from 'commander';
import { ConfigError, parseSize } from '../config.js';

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

export function instant(value: string): string {
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) ||
    Number.isNaN(Date.parse(value))
  ) {
    throw new InvalidArgumentError(
      `--clock must be an ISO instant with an offset, e.g. 2026-06-02T09:00:00+01:00, got "${value}"`,
    );
  }
  return value;
}

export function url(value: string): string {
  try {
    const parsed = new URL(value);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new InvalidArgumentError(
      `--public-url must be an http(s) URL such as https://sandbox.example.org, got "${value}"`,
    );
  }
  return value;
}

export function asid(value: string): string {
  if (!/^\d{12}$/.test(value)) throw new InvalidArgumentError(`ASIDs are 12 digits, got "${value}"`);
  return value;
}

export function duration(value: string): string {
  if (!/^PT(?=\d)(\d+H)?(\d+M)?(\d+S)?$/.test(value)) {
    throw new InvalidArgumentError(
      `--session-ttl must be an ISO duration such as PT30M or PT2H, got "${value}"`,
    );
  }
  return value;
}

/** A size flag (`64MB`, `512KB`, bytes); checked here so a bad one is refused before anything starts. */
export function size(flag: string) {
  return (value: string): string => {
    try {
      parseSize(flag, value);
    } catch (error) {
      if (error instanceof ConfigError) throw new InvalidArgumentError(error.message);
      throw error;
    }
    return value;
  };
}
