/**
 * Reading a seed directory without validating it (no zod): the file list, JSON parsing with line
 * and column, the fingerprint, and the build-time stamp that lets the bundled seed skip the schema
 * check at start (the check ran when the package was built; see stamp-bundled-seed.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forbiddenKeyMessage, forbiddenKeyPath } from '../domain/map-keys.js';
import type { Seed } from '../domain/model.js';

export const SEED_FILES = [
  'seed.json',
  'organizations.json',
  'locations.json',
  'practitioners.json',
  'schedules.json',
  'patients.json',
] as const;
export type SeedFileName = (typeof SEED_FILES)[number];

/** A seed as its files hold it: everything but the fingerprint, which the loader computes. */
export type SeedData = Omit<Seed, 'fingerprint'>;

/** The package's own seed/ directory, wherever the package is installed (src/seeding or dist/seeding). */
export function bundledSeedDir(): string {
  return fileURLToPath(new URL('../../seed', import.meta.url));
}

const BUNDLED_STAMP = new URL('./bundled-seed.stamp.json', import.meta.url);

/**
 * Where a seed's validation stamp lives: the bundled seed's in the build output (the package's
 * seed/ may be read-only), any other seed's beside its files (written by `gpc-sandbox seed`).
 */
export function seedStampPath(dir: string): string {
  return dir === bundledSeedDir() ? fileURLToPath(BUNDLED_STAMP) : join(dir, '.validated.json');
}

/** sha256 over the files' exact bytes: any edit, even whitespace, invalidates the stamp. */
export function rawSeedHash(dir: string): string | undefined {
  const hash = createHash('sha256');
  try {
    for (const name of SEED_FILES) hash.update(`${name}\n`).update(readFileSync(join(dir, name)));
  } catch {
    return undefined;
  }
  return hash.digest('hex');
}

/**
 * The seed, unchecked, when its files are byte for byte those a full validation passed when the
 * stamp was written; undefined otherwise (the caller then validates).
 */
export function stampedSeed(dir: string): Seed | undefined {
  let stamp: { hash?: string };
  try {
    stamp = JSON.parse(readFileSync(seedStampPath(dir), 'utf8')) as { hash?: string };
  } catch {
    return undefined;
  }
  if (!stamp.hash || rawSeedHash(dir) !== stamp.hash) return undefined;
  const read = (name: SeedFileName) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as never;
  const data: SeedData = {
    manifest: read('seed.json'),
    organizations: read('organizations.json'),
    locations: read('locations.json'),
    practitioners: read('practitioners.json'),
    schedules: read('schedules.json'),
    patients: read('patients.json'),
  };
  return { ...data, fingerprint: seedFingerprint(data) };
}

/** Record that the seed in `dir` passed full validation (call only after loadSeed(dir) did). */
export function writeSeedStamp(dir: string): void {
  const hash = rawSeedHash(dir);
  if (!hash) throw new Error(`cannot read the seed in ${dir}`);
  writeFileSync(seedStampPath(dir), `${JSON.stringify({ hash })}\n`);
}

export function seedFingerprint(data: SeedData): string {
  const contents: Record<SeedFileName, unknown> = {
    'seed.json': data.manifest,
    'organizations.json': data.organizations,
    'locations.json': data.locations,
    'practitioners.json': data.practitioners,
    'schedules.json': data.schedules,
    'patients.json': data.patients,
  };
  const hash = createHash('sha256');
  for (const name of SEED_FILES) hash.update(`${name}\n${canonicalJson(contents[name])}\n`);
  return hash.digest('hex').slice(0, 16);
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const record = v as Record<string, unknown>;
    const entries = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(v);
}

/** JSON.parse, with V8's "at position N" turned into a line and column a person can find. */

export function parseJson(text: string): { value: unknown } | { error: string } {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // editors on Windows add a BOM
  try {
    const value: unknown = JSON.parse(body);
    const forbidden = forbiddenKeyPath(value);
    return forbidden === undefined ? { value } : { error: forbiddenKeyMessage(forbidden) };
  } catch (e) {
    const message = (e as Error).message;
    const position = /at position (\d+)/.exec(message)?.[1];
    const at =
      position !== undefined ? Number(position) : /end of JSON input/.test(message) ? body.length : undefined;
    // Drop V8's position and its echo of the document: we say where, and the file may be long.
    const reason = message
      .replace(/ in JSON at position \d+.*$/s, '')
      .replace(/, ".*" is not valid JSON$/s, '');
    if (at === undefined) return { error: `not valid JSON: ${reason}` };
    const before = body.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    return { error: `not valid JSON at line ${line}, column ${column}: ${reason}` };
  }
}
