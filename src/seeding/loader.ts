/**
 * Reads a seed directory into a Seed. On the start-up path, so it stays light: no faker here
 * (the generator has it), plain synchronous reads.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Seed } from '../domain/model.js';
import { SandboxError } from '../domain/sandbox-error.js';
import { parseJson, seedFingerprint } from './seed-files.js';
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
export class SeedError extends SandboxError {
  readonly problems: SeedProblem[];
  constructor(problems: SeedProblem[]) {
    const [first] = problems;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    super('SeedError', first ? `${formatProblem(first)}${more}` : 'invalid seed');
    this.problems = problems;
  }
}

export { bundledSeedDir } from './seed-files.js';

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
  return { ...data, fingerprint: seedFingerprint(data) };
}

/** sha256 over the files' canonical JSON (sorted keys, no whitespace): formatting does not count. */
