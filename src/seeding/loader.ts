/**
 * Reads a seed directory into a Seed. On the start-up path, so it stays light: no faker here
 * (the generator has it), plain synchronous reads.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Seed } from '../domain/model.js';
import {
  crossCheckSeed,
  formatProblem,
  parseSeedFile,
  SEED_FILES,
  type SeedFileContent,
  type SeedFileName,
  type SeedProblem,
} from './seed-schema.js';

/** A seed that cannot be used; the message is the first problem, as one line. */
export class SeedError extends Error {
  readonly problems: SeedProblem[];
  constructor(problems: SeedProblem[]) {
    const [first] = problems;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    super(first ? `${formatProblem(first)}${more}` : 'invalid seed');
    this.name = 'SeedError';
    this.problems = problems;
  }
}

/** The package's own seed/ directory, wherever the package is installed (src/seeding or dist/seeding). */
export function bundledSeedDir(): string {
  return fileURLToPath(new URL('../../seed', import.meta.url));
}

export function loadSeed(dir: string): Seed {
  const notDir = (message: string) => new SeedError([{ file: dir, path: '$', message }]);
  try {
    if (!statSync(dir).isDirectory())
      throw notDir(`not a directory; a seed is a directory of ${SEED_FILES.join(', ')}`);
  } catch (e) {
    if (e instanceof SeedError) throw e;
    throw notDir('seed directory not found');
  }
  const files: Record<string, unknown> = {};
  const problems: SeedProblem[] = [];
  for (const name of SEED_FILES) {
    const file = join(dir, name);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
      problems.push({
        file,
        path: '$',
        message: missing ? 'file not found' : `cannot be read: ${(e as Error).message}`,
      });
      continue;
    }
    const parsed = parseJson(text);
    if ('error' in parsed) problems.push({ file, path: '$', message: parsed.error });
    else files[name] = parsed.value;
  }
  if (problems.length) throw new SeedError(problems);
  return seedFromFiles(files, (name) => join(dir, name));
}

/**
 * A Seed from already-parsed files (file name → JSON), checked as loadSeed checks a directory.
 * `fileLabel` says how problems name each file.
 */
export function seedFromFiles(
  files: Record<string, unknown>,
  fileLabel: (file: SeedFileName) => string = (file) => file,
): Seed {
  const problems: SeedProblem[] = [];
  const parse = <K extends SeedFileName>(kind: K): SeedFileContent<K> | undefined => {
    if (!(kind in files)) {
      problems.push({ file: fileLabel(kind), path: '$', message: 'file not found' });
      return undefined;
    }
    const result = parseSeedFile(kind, files[kind], fileLabel(kind));
    problems.push(...result.problems);
    return result.data;
  };
  const manifest = parse('seed.json');
  const organizations = parse('organizations.json');
  const locations = parse('locations.json');
  const practitioners = parse('practitioners.json');
  const schedules = parse('schedules.json');
  const patients = parse('patients.json');
  if (!manifest || !organizations || !locations || !practitioners || !schedules || !patients) {
    throw new SeedError(problems);
  }
  const data = { manifest, organizations, locations, practitioners, schedules, patients };
  const crossProblems = crossCheckSeed(data, fileLabel);
  if (crossProblems.length) throw new SeedError(crossProblems);
  return { ...data, fingerprint: fingerprint(data) };
}

/** sha256 over the files' canonical JSON (sorted keys, no whitespace): formatting does not count. */
function fingerprint(data: Omit<Seed, 'fingerprint'>): string {
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
function parseJson(text: string): { value: unknown } | { error: string } {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // editors on Windows add a BOM
  try {
    return { value: JSON.parse(body) };
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
