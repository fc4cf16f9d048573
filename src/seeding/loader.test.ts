import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { londonLocalToInstant } from '../domain/london-time.js';
import { SlotCalendar } from '../domain/slots.js';
import { bundledSeedDir, loadSeed, SeedError } from './loader.js';
import { SEED_FILES, validateSeedFile } from './seed-schema.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the bundled seed that a test may break. */
function copyOfBundledSeed(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gpc-seed-'));
  dirs.push(dir);
  cpSync(bundledSeedDir(), dir, { recursive: true });
  return dir;
}

function seedErrorOf(fn: () => unknown): SeedError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SeedError) return e;
    throw e;
  }
  throw new Error('expected a SeedError');
}

describe('loadSeed', () => {
  it('finds the bundled seed beside src/ (and dist/)', () => {
    expect(bundledSeedDir()).toMatch(/[\\/]seed$/);
    expect(existsSync(join(bundledSeedDir(), 'seed.json'))).toBe(true);
  });

  it('loads the bundled seed, and each file passes its own schema', () => {
    const seed = loadSeed(bundledSeedDir());
    expect(seed.manifest).toEqual({ name: 'bundled', horizonDays: 28 });
    expect(seed.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    for (const name of SEED_FILES) {
      const json = JSON.parse(readFileSync(join(bundledSeedDir(), name), 'utf8'));
      expect(validateSeedFile(`seed/${name}`, json)).toEqual([]);
    }
  });

  it('gives the bundled seed the patients and schedules the docs promise', () => {
    const seed = loadSeed(bundledSeedDir());
    expect(seed.patients.length).toBeGreaterThanOrEqual(20);
    expect(seed.practitioners.length).toBeGreaterThanOrEqual(3);
    expect(seed.locations.length).toBeGreaterThanOrEqual(2);
    expect(new Set(seed.organizations.map((o) => o.type))).toEqual(new Set(['gp-practice', 'urgent-care']));
    expect(seed.patients.filter((p) => p.deceasedDateTime).length).toBe(1);
    expect(seed.patients.filter((p) => p.sensitive).length).toBe(1);
    expect(seed.patients.filter((p) => !p.active).length).toBe(1);
    expect(seed.patients.filter((p) => p.magic).map((p) => p.magic)).toEqual([
      'duplicate',
      'server-error',
      'slow',
      'access-denied',
    ]);
    const patterns = seed.schedules.map((s) => s.pattern);
    expect(patterns.some((p) => p.restriction?.orgType === 'urgent-care')).toBe(true);
    expect(patterns.some((p) => p.restriction?.odsCode === 'A11111')).toBe(true);
    expect(patterns.some((p) => !p.bookable)).toBe(true);

    const calendar = new SlotCalendar(seed);
    const from = londonLocalToInstant('2026-06-01', '00:00');
    const open = calendar.between(from, from + 14 * 86_400_000).filter((slot) => {
      const pattern = calendar.schedule(slot.scheduleId)!.pattern;
      return pattern.bookable && !pattern.restriction;
    });
    expect(open.length).toBeGreaterThanOrEqual(300);
  });

  it('fingerprints content, not formatting', () => {
    const dir = copyOfBundledSeed();
    const before = loadSeed(dir).fingerprint;
    const patients = JSON.parse(readFileSync(join(dir, 'patients.json'), 'utf8'));
    writeFileSync(join(dir, 'patients.json'), JSON.stringify(patients));
    expect(loadSeed(dir).fingerprint).toBe(before);
    patients[0].phone = '07700 900999';
    writeFileSync(join(dir, 'patients.json'), JSON.stringify(patients));
    expect(loadSeed(dir).fingerprint).not.toBe(before);
  });

  it('says where a file stops being JSON', () => {
    const dir = copyOfBundledSeed();
    writeFileSync(join(dir, 'locations.json'), '[\n  {"id": "l1",}\n]\n');
    const error = seedErrorOf(() => loadSeed(dir));
    expect(error.message).toBe(
      `${join(dir, 'locations.json')}: not valid JSON at line 2, column 15: Expected double-quoted property name`,
    );
  });

  it('says where a truncated file ends', () => {
    const dir = copyOfBundledSeed();
    writeFileSync(join(dir, 'seed.json'), '{"name": "x",\n');
    expect(seedErrorOf(() => loadSeed(dir)).message).toMatch(
      /seed\.json: not valid JSON at line 2, column 1: /,
    );
  });

  it('names the file, JSON path and problem of a schema error', () => {
    const dir = copyOfBundledSeed();
    const schedules = JSON.parse(readFileSync(join(dir, 'schedules.json'), 'utf8'));
    schedules[3].pattern.slotMinutes = 'ten';
    schedules[0].locationId = 'nowhere';
    writeFileSync(join(dir, 'schedules.json'), JSON.stringify(schedules));
    const error = seedErrorOf(() => loadSeed(dir));
    expect(error.message).toBe(
      `${join(dir, 'schedules.json')}: $[3].pattern.slotMinutes: expected a number, got "ten"`,
    );
    expect(error.problems).toHaveLength(1); // references are checked once every file is well-formed
  });

  it('reports a reference to a missing id', () => {
    const dir = copyOfBundledSeed();
    const schedules = JSON.parse(readFileSync(join(dir, 'schedules.json'), 'utf8'));
    schedules[0].locationId = 'nowhere';
    writeFileSync(join(dir, 'schedules.json'), JSON.stringify(schedules));
    expect(seedErrorOf(() => loadSeed(dir)).message).toBe(
      `${join(dir, 'schedules.json')}: $[0].locationId: "nowhere" is not an id in locations.json`,
    );
  });

  it('reports a missing directory and missing files', () => {
    expect(seedErrorOf(() => loadSeed('/no/such/seed')).message).toBe(
      '/no/such/seed: seed directory not found',
    );
    const dir = copyOfBundledSeed();
    rmSync(join(dir, 'patients.json'));
    rmSync(join(dir, 'locations.json'));
    const error = seedErrorOf(() => loadSeed(dir));
    expect(error.message).toBe(`${join(dir, 'locations.json')}: file not found (and 1 more)`);
    expect(error.problems.map((p) => p.file)).toEqual([
      join(dir, 'locations.json'),
      join(dir, 'patients.json'),
    ]);
  });

  it('keeps faker off the start-up path', () => {
    for (const file of ['loader.ts', 'seed-schema.ts']) {
      expect(readFileSync(new URL(file, import.meta.url), 'utf8')).not.toMatch(
        /from '[^']*(faker|generator)/,
      );
    }
  });
});

describe('the build-time stamp of the bundled seed', () => {
  it('gives the same seed, fingerprint included, as full validation', async () => {
    const { stampedSeed, writeSeedStamp, seedStampPath } = await import('./seed-files.js');
    const stampPath = seedStampPath(bundledSeedDir());
    writeSeedStamp(bundledSeedDir());
    try {
      const stamped = stampedSeed(bundledSeedDir());
      expect(stamped).toBeDefined();
      expect(stamped).toEqual(loadSeed(bundledSeedDir()));
    } finally {
      rmSync(stampPath, { force: true });
    }
  });

  it('is ignored once a file changes', async () => {
    const { stampedSeed, writeSeedStamp } = await import('./seed-files.js');
    const copy = mkdtempSync(join(tmpdir(), 'gpc-stamp-'));
    cpSync(bundledSeedDir(), copy, { recursive: true });
    writeSeedStamp(copy);
    expect(stampedSeed(copy)).toEqual(loadSeed(copy));
    const patients = join(copy, 'patients.json');
    writeFileSync(patients, `${readFileSync(patients, 'utf8')} `);
    expect(stampedSeed(copy)).toBeUndefined();
    rmSync(copy, { recursive: true, force: true });
  });
});
