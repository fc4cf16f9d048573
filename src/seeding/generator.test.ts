import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SlotCalendar } from '../domain/slots.js';
import { BUNDLED_SEED_OPTIONS, generateSeed, writeSeed } from './generator.js';
import { bundledSeedDir, seedFromFiles } from './loader.js';
import { SEED_FILES } from './seed-schema.js';

const options = { randomSeed: 42, patients: 30, practitioners: 5, days: 28 };

describe('generateSeed', () => {
  it('gives byte-identical files for the same options', () => {
    expect(JSON.stringify(generateSeed(options))).toBe(JSON.stringify(generateSeed({ ...options })));
  });

  it('gives different people for a different random seed', () => {
    const a = generateSeed(options);
    const b = generateSeed({ ...options, randomSeed: 43 });
    expect(JSON.stringify(a['patients.json'])).not.toBe(JSON.stringify(b['patients.json']));
    expect(JSON.stringify(a['practitioners.json'])).not.toBe(JSON.stringify(b['practitioners.json']));
  });

  it('makes seeds that pass the loader checks, with the requested counts', () => {
    const seed = seedFromFiles(generateSeed(options));
    expect(seed.patients).toHaveLength(30);
    expect(seed.practitioners).toHaveLength(5);
    expect(seed.schedules).toHaveLength(5);
    expect(seed.manifest).toEqual({ name: 'random-seed-42', horizonDays: 28 });
    expect(seed.organizations.map((o) => o.type)).toEqual(['gp-practice', 'urgent-care']);
    expect(seed.patients.every((p) => p.nhsNumber.startsWith('999'))).toBe(true);
  });

  it('gives at least 15,000 slots for 20 practitioners over 14 days', () => {
    const seed = seedFromFiles(generateSeed({ randomSeed: 1, patients: 50, practitioners: 20, days: 14 }));
    const calendar = new SlotCalendar(seed);
    const { firstDate, lastDate } = calendar.horizon(Date.parse('2026-06-02T12:00:00Z'));
    expect(lastDate).toBe('2026-06-15');
    const slots = calendar.between(
      Date.parse(`${firstDate}T00:00:00+01:00`),
      Date.parse(`${lastDate}T23:59:59+01:00`),
    );
    expect(slots).toHaveLength(16_800);
  });

  it('refuses counts it cannot make', () => {
    expect(() => generateSeed({ ...options, days: 0 })).toThrow('days must be 1 to 366, got 0');
    expect(() => generateSeed({ ...options, patients: 2.5 })).toThrow(/patients/);
  });

  it('wrote the bundled seed: seed/ is what BUNDLED_SEED_OPTIONS generates (see seed/README.md)', () => {
    const files = generateSeed(BUNDLED_SEED_OPTIONS);
    for (const name of SEED_FILES) {
      expect(readFileSync(join(bundledSeedDir(), name), 'utf8'), name).toBe(
        `${JSON.stringify(files[name], null, 2)}\n`,
      );
    }
  });
});

describe('writeSeed', () => {
  it('writes pretty JSON with a trailing newline', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpc-gen-'));
    try {
      writeSeed(join(dir, 'out'), generateSeed(options));
      expect(readFileSync(join(dir, 'out', 'seed.json'), 'utf8')).toBe(
        '{\n  "name": "random-seed-42",\n  "horizonDays": 28\n}\n',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
