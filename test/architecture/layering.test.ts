import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layering the README describes, checked over the imports of every source file so it cannot
 * drift back: cli → http → application (commands over worlds, sessions, journal, generations) →
 * domain, with auth, faults and fhir as adapters and store and seeding beside domain.
 */

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

interface Source {
  /** Path below src/, e.g. `domain/booking.ts`. */
  file: string;
  /** Top-level folder below src/ (`domain`), or the file itself for top-level files (`index.ts`). */
  layer: string;
  text: string;
  /** Import and export-from specifiers, with whether each is type-only. */
  imports: Array<{ spec: string; typeOnly: boolean; target?: string }>;
}

const IMPORT =
  /^\s*(import|export)\s+(type\s+)?[^'";]*?\bfrom\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;

const SOURCES: Source[] = sourceFiles(SRC).map((path) => {
  const file = relative(SRC, path).split('\\').join('/');
  const text = readFileSync(path, 'utf8');
  const imports = [...text.matchAll(IMPORT)].map((m) => {
    const spec = (m[3] ?? m[4])!;
    const target = spec.startsWith('.')
      ? relative(SRC, resolve(dirname(path), spec))
          .split('\\')
          .join('/')
          .replace(/\.js$/, '.ts')
      : undefined;
    return { spec, typeOnly: Boolean(m[2]), ...(target !== undefined ? { target } : {}) };
  });
  return { file, layer: file.includes('/') ? file.split('/')[0]! : file, text, imports };
});

const layerOf = (target: string) => (target.includes('/') ? target.split('/')[0]! : target);

/** Which layers each folder may import from (its own always). */
const ALLOWED: Record<string, string[]> = {
  domain: [],
  profiles: ['fhir', 'domain'],
  fhir: ['domain', 'profiles'],
  auth: ['domain', 'fhir', 'profiles'],
  faults: ['domain', 'fhir', 'profiles', 'seeding', 'config.ts'],
  store: ['domain'],
  seeding: ['domain', 'paths.ts'],
  application: ['domain', 'faults', 'fhir', 'profiles', 'store', 'seeding', 'config.ts'],
  http: [
    'auth',
    'faults',
    'fhir',
    'domain',
    'profiles',
    'application',
    'store',
    'seeding',
    'config.ts',
    'paths.ts',
    'state-view.ts',
  ],
  postman: ['auth', 'domain', 'fhir', 'profiles', 'seeding'],
};

describe('the layering of src/', () => {
  it('has every folder import only from the layers below it', () => {
    const wrong: string[] = [];
    for (const source of SOURCES) {
      const allowed = ALLOWED[source.layer];
      if (!allowed) continue;
      for (const { spec, target } of source.imports) {
        if (target === undefined) continue;
        const layer = layerOf(target);
        if (layer === source.layer || allowed.includes(layer)) continue;
        wrong.push(`${source.file} imports ${spec}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('has the domain speak no FHIR: nothing in domain/ imports from outside it, types included', () => {
    const outside = SOURCES.filter((s) => s.layer === 'domain').flatMap((s) =>
      s.imports
        .filter((i) => i.target !== undefined && layerOf(i.target) !== 'domain')
        .map((i) => `${s.file}: ${i.spec}`),
    );
    expect(outside).toEqual([]);
  });

  it('has the domain import no package, only the standard library', () => {
    const packages = SOURCES.filter((s) => s.layer === 'domain').flatMap((s) =>
      s.imports
        .filter((i) => i.target === undefined && !i.spec.startsWith('node:'))
        .map((i) => `${s.file}: ${i.spec}`),
    );
    expect(packages).toEqual([]);
  });

  it('has only http/ import express (the composition root may name its type)', () => {
    const importers = SOURCES.filter((s) =>
      s.imports.some((i) => i.spec === 'express' && !(s.file === 'index.ts' && i.typeOnly)),
    ).map((s) => s.file);
    expect(importers.filter((f) => !f.startsWith('http/'))).toEqual([]);
  });

  it('has only cli/ read argv or the environment, print, or exit', () => {
    const offenders = SOURCES.filter(
      (s) => s.layer !== 'cli' && /\bprocess\.(argv|env|exit|stdout|stderr)\b|\bconsole\.\w+\(/.test(s.text),
    ).map((s) => s.file);
    expect(offenders).toEqual([]);
  });

  it('has only the composition root (index.ts, and testing.ts for the suite) import SandboxCore', () => {
    // http/ and the rest of the application layer depend on the Application interface
    // (application/application.ts), types included, so the core's internals cannot leak back.
    const importers = SOURCES.filter((s) => s.imports.some((i) => i.target === 'application/core.ts'))
      .map((s) => s.file)
      .filter((file) => file !== 'index.ts' && file !== 'testing.ts');
    expect(importers).toEqual([]);
  });

  it('has nothing import cli/', () => {
    const importers = SOURCES.filter(
      (s) => s.layer !== 'cli' && s.imports.some((i) => i.target?.startsWith('cli/')),
    ).map((s) => s.file);
    expect(importers).toEqual([]);
  });
});
