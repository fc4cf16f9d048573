import { spawn } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEnvelope } from '../../src/auth/build-headers.js';
import { seedExample } from '../helpers/bodies.js';
import { CLI, startCli } from '../helpers/cli.js';
import { setPath } from '../helpers/hostile.js';

/**
 * A --db file that is not this sandbox's own is refused at start — exit 2, one line naming the file
 * and what is wrong — and left exactly as it was.
 */

const dir = mkdtempSync(join(tmpdir(), 'gpc-dbfile-'));
afterAll(() => {
  chmodSync(dir, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

const CLOCK = '2026-06-01T08:00:00+01:00';

/** A real db file with two bookings, written by the CLI. */
let good = '';

beforeAll(async () => {
  const db = join(dir, 'good.json');
  const cli = await startCli(['--db', db, '--quiet', '--clock', CLOCK]);
  for (const slot of ['s1-202606020900', 's2-202606020900']) {
    const res = await fetch(`${cli.url}/Appointment`, {
      method: 'POST',
      headers: { ...buildEnvelope('create:appointment-1'), 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify(seedExample(slot)),
    });
    expect(res.status).toBe(201);
  }
  expect(await cli.stop()).toBe(0);
  good = readFileSync(db, 'utf8');
});

/**
 * `gpc-sandbox start --db FILE`, to its exit; a sandbox that starts after all is stopped at once
 * (and reported as code "started"), so a file wrongly accepted fails fast instead of timing out.
 */
function start(db: string): Promise<{ code: number | null | 'started'; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'start', '--port', '0', '--quiet', '--db', db], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let started = false;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (!started && stdout.includes('listening')) {
      started = true;
      child.kill('SIGKILL');
    }
  });
  return new Promise((resolve) => {
    child.on('exit', (code) => resolve({ code: started ? 'started' : code, stdout, stderr }));
  });
}

/** The good file with the value at `path` replaced (removed when undefined). */
function variant(path: Array<string | number>, value: unknown): string {
  const doc = JSON.parse(good) as Record<string, unknown>;
  setPath(doc, path, value);
  return JSON.stringify(doc);
}

const cases: Array<[string, () => string | Buffer, RegExp]> = [
  ['not JSON', () => 'hello, world', /not valid JSON/],
  ['an empty file', () => '', /not valid JSON/],
  ['only whitespace', () => '  \n', /not valid JSON/],
  ['truncated JSON', () => good.slice(0, Math.floor(good.length / 2)), /not valid JSON/],
  ['truncated by one byte', () => good.slice(0, -1), /not valid JSON/],
  ['NUL bytes (a file zeroed by a crash)', () => Buffer.alloc(512), /not valid JSON/],
  [
    'UTF-16',
    () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(good, 'utf16le')]),
    /not valid JSON/,
  ],
  ['a JSON array', () => '[]', /expected a JSON object/],
  ['JSON null', () => 'null', /expected a JSON object/],
  ['a JSON number', () => '42', /expected a JSON object/],
  ['an empty object', () => '{}', /no schemaVersion/],
  ["another program's JSON", () => '{"hello": "world"}', /no schemaVersion/],
  ['schemaVersion 2', () => variant(['schemaVersion'], 2), /schema version 2.*reads version 1/],
  ['schemaVersion "1"', () => variant(['schemaVersion'], '1'), /schema version 1.*reads version 1/],
  ['schemaVersion 0', () => variant(['schemaVersion'], 0), /schema version 0/],
  [
    "another seed's fingerprint",
    () => variant(['seed'], 'another-seed-0000'),
    /another seed \(another-seed-0000/,
  ],
  ['no seed fingerprint', () => variant(['seed'], undefined), /another seed/],
  ['appointments not a list', () => variant(['state', 'appointments'], {}), /state is damaged/],
  ['no clock', () => variant(['clock'], undefined), /clock is missing/],
  // Damaged records: refused naming the record, like the top level (not a crash, not accepted).
  [
    'an appointment that is not a record',
    () => variant(['state', 'appointments', 0], null),
    /appointments\[0\]/,
  ],
  [
    'an appointment without its slots',
    () => variant(['state', 'appointments', 0, 'slotIds'], undefined),
    /appointments\[0\]\.slotIds/,
  ],
  [
    'an appointment id that is a number',
    () => variant(['state', 'appointments', 0, 'id'], 7),
    /appointments\[0\]\.id/,
  ],
  ['a clock offset that is a string', () => variant(['clock', 'offsetMs'], 'soon'), /clock\.offsetMs/],
];

describe('a --db file that is not its own', () => {
  it.each(cases)(
    'is refused when it is %s: exit 2, a message naming file and problem, the file untouched',
    async (name, content, message) => {
      const file = join(dir, `${name.replace(/\W+/g, '-')}.json`);
      writeFileSync(file, content());
      const before = { bytes: readFileSync(file), mtimeMs: statSync(file).mtimeMs };
      const listing = readdirSync(dir).sort();

      const result = await start(file);
      expect(result.code, result.stderr).not.toBe('started');
      expect(result.stderr).not.toMatch(/unexpected error|\n\s+at /);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(file);
      expect(result.stderr).toMatch(message);

      expect(readFileSync(file).equals(before.bytes)).toBe(true);
      expect(statSync(file).mtimeMs).toBe(before.mtimeMs);
      expect(readdirSync(dir).sort()).toEqual(listing);
    },
  );

  it('is refused when the path is a directory (unreadable as a file), which is left alone', async () => {
    const path = join(dir, 'a-directory.json');
    mkdirSync(path);
    writeFileSync(join(path, 'keep'), 'x');
    const result = await start(path);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(path);
    expect(result.stderr).toMatch(/cannot read the file \(EISDIR/);
    expect(readdirSync(path)).toEqual(['keep']);
  });

  it.skipIf(process.getuid?.() === 0)('is refused when it is unreadable (chmod 000)', async () => {
    // Skipped as root: root reads a chmod 000 file, so the case cannot arise there.
    const file = join(dir, 'unreadable.json');
    writeFileSync(file, good);
    chmodSync(file, 0o000);
    try {
      const result = await start(file);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(file);
      expect(result.stderr).toMatch(/cannot read the file \(EACCES/);
    } finally {
      chmodSync(file, 0o644);
    }
    expect(readFileSync(file, 'utf8')).toBe(good);
  });

  it('starts from its own file, untouched until the first change', async () => {
    const file = join(dir, 'own.json');
    writeFileSync(file, good);
    const mtimeMs = statSync(file).mtimeMs;
    const cli = await startCli(['--db', file, '--quiet']);
    try {
      const state = (await (await fetch(`${cli.url}/_admin/state`)).json()) as {
        counts: { appointments: number };
      };
      expect(state.counts.appointments).toBe(2);
    } finally {
      expect(await cli.stop()).toBe(0);
    }
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(JSON.parse(good));
    expect(statSync(file).mtimeMs).toBeGreaterThanOrEqual(mtimeMs);
  });
});
