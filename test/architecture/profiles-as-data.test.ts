import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROFILES } from '../../src/profiles/index.js';

/**
 * Profiles are tables of differences (src/profiles, docs/profiles.md): code reads a profile's rows,
 * it never asks which profile runs. So no source file outside src/profiles names a profile (its
 * name or CapabilityStatement version as a string), and no source file anywhere declares or reads
 * a `strict…` flag (the `strictBooking` boolean that ~20 lines used to test). Checked over the
 * syntax tree, so comments and longer strings that merely mention a profile do not count.
 */

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

interface Found {
  file: string;
  line: number;
  text: string;
}

/** Tokens after which a `/` starts a regular expression rather than a division. */
const BEFORE_REGEX = /^(?:[(,=:[!&|?{};+\-*%<>~^]|return|typeof|case|of|in|=>)$/;

/**
 * Every string literal (quoted or a template without substitutions) and every identifier of a
 * TypeScript file, with its line; comments, regular expressions and template text are skipped.
 * (The typescript package here is the native compiler, with no JavaScript API to parse with.)
 */
function tokens(path: string): { strings: Found[]; identifiers: Found[] } {
  const file = relative(SRC, path).split('\\').join('/');
  const text = readFileSync(path, 'utf8');
  const strings: Found[] = [];
  const identifiers: Found[] = [];
  let line = 1;
  let previous = '';
  /** Open template literals: the brace depth at which each one's `${` began. */
  const templates: number[] = [];
  let depth = 0;
  let i = 0;
  const advance = (to: number) => {
    for (let k = i; k < to; k++) if (text[k] === '\n') line++;
    i = to;
  };
  /** Reads template text from i to its end or to a `${`; true when it ended. */
  const templateText = (): { ended: boolean; value: string } => {
    let value = '';
    while (i < text.length) {
      const c = text[i]!;
      if (c === '\\') {
        value += text[i + 1];
        advance(i + 2);
      } else if (c === '`') {
        advance(i + 1);
        return { ended: true, value };
      } else if (c === '$' && text[i + 1] === '{') {
        advance(i + 2);
        return { ended: false, value };
      } else {
        value += c;
        advance(i + 1);
      }
    }
    return { ended: true, value };
  };
  while (i < text.length) {
    const c = text[i]!;
    const rest = text.slice(i, i + 2);
    if (c === '\n' || c === ' ' || c === '\t' || c === '\r') {
      advance(i + 1);
    } else if (rest === '//') {
      const end = text.indexOf('\n', i);
      advance(end < 0 ? text.length : end);
    } else if (rest === '/*') {
      const end = text.indexOf('*/', i + 2);
      advance(end < 0 ? text.length : end + 2);
    } else if (c === "'" || c === '"') {
      const at = line;
      let value = '';
      let k = i + 1;
      while (k < text.length && text[k] !== c) {
        if (text[k] === '\\') k++;
        value += text[k];
        k++;
      }
      advance(k + 1);
      strings.push({ file, line: at, text: value });
      previous = 'string';
    } else if (c === '`') {
      const at = line;
      advance(i + 1);
      const part = templateText();
      if (part.ended) strings.push({ file, line: at, text: part.value });
      else templates.push(depth++);
      previous = 'string';
    } else if (c === '}' && templates.length > 0 && templates[templates.length - 1] === depth - 1) {
      depth--;
      templates.pop();
      advance(i + 1);
      if (!templateText().ended) templates.push(depth++);
      previous = 'string';
    } else if (c === '/' && (previous === '' || BEFORE_REGEX.test(previous))) {
      let k = i + 1;
      let inClass = false;
      while (k < text.length && (text[k] !== '/' || inClass) && text[k] !== '\n') {
        if (text[k] === '\\') k++;
        else if (text[k] === '[') inClass = true;
        else if (text[k] === ']') inClass = false;
        k++;
      }
      advance(k + 1);
      while (/[a-z]/.test(text[i] ?? '')) advance(i + 1);
      previous = 'regex';
    } else if (/[A-Za-z_$#]/.test(c)) {
      const word = /^[#A-Za-z_$][\w$]*/.exec(text.slice(i, i + 200))![0];
      identifiers.push({ file, line, text: word });
      advance(i + word.length);
      previous = word;
    } else if (/[0-9]/.test(c)) {
      const number = /^[0-9][\w.]*/.exec(text.slice(i, i + 100))![0];
      advance(i + number.length);
      previous = 'number';
    } else {
      if (c === '{') depth++;
      if (c === '}') depth--;
      advance(i + 1);
      previous = c;
    }
  }
  return { strings, identifiers };
}

const FILES = sourceFiles(SRC).map((path) => tokens(path));
const where = (f: Found) => `${f.file}:${f.line} ${f.text}`;

/** A profile's name or version, spelled as a whole string. */
const PROFILE_WORDS = new Set(Object.values(PROFILES).flatMap((p) => [p.name, p.version]));

/** `strict` or `strictSomething`, but not zod's `strictObject`. */
const STRICT_FLAG = /^strict(?!Object$)([A-Z_]\w*)?$/;

/**
 * The strict… names that are no profile's, by file: the Express router option (strict routing,
 * no trailing slash) and the FHIR XML reader's element-order option, which no profile sets.
 */
const NOT_A_PROFILE: Record<string, string> = {
  'http/admin-routes.ts': 'strict',
  'fhir/xml.ts': 'strictOrder',
};

describe('profiles are read as data', () => {
  it('finds the source files and their tokens (the check below is not vacuous)', () => {
    expect(FILES.length).toBeGreaterThan(50);
    const all = FILES.flatMap((f) => f.strings).filter((s) => PROFILE_WORDS.has(s.text));
    // The profile files themselves spell their names.
    expect(all.some((s) => s.file.startsWith('profiles/'))).toBe(true);
  });

  it('has no source file outside src/profiles name a profile (so none can test which one runs)', () => {
    const named = FILES.flatMap((f) => f.strings)
      .filter((s) => !s.file.startsWith('profiles/') && PROFILE_WORDS.has(s.text))
      .map(where);
    expect(named).toEqual([]);
  });

  it('has no source file declare or read a strict… flag', () => {
    const flags = FILES.flatMap((f) => f.identifiers)
      .filter((i) => STRICT_FLAG.test(i.text) && NOT_A_PROFILE[i.file] !== i.text)
      .map(where);
    expect(flags).toEqual([]);
  });

  it("keeps its list of strict… names that are no profile's exact (each still occurs)", () => {
    const stale = Object.entries(NOT_A_PROFILE).filter(
      ([file, name]) => !FILES.some((f) => f.identifiers.some((i) => i.file === file && i.text === name)),
    );
    expect(stale).toEqual([]);
  });
});
