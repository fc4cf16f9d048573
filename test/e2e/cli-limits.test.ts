import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/** Issue 13: the new limits on the command line, and the --db files refused with exit 2. */

const dir = mkdtempSync(join(tmpdir(), 'gpc-cli-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('gpc-sandbox start', () => {
  it('lists the new flags in --help', async () => {
    const { stdout } = await runCli(['start', '--help']);
    for (const flag of [
      '--allowed-host',
      '--journal-budget',
      '--max-held',
      '--no-header-faults',
      '--max-snapshot',
    ])
      expect(stdout).toContain(flag);
  });

  it.each([
    [['--journal-budget', 'lots'], /--journal-budget must be a size/],
    [['--max-snapshot', '0'], /--max-snapshot must be a size/],
    [['--max-held', '0'], /--max-held must be from 1/],
    [['--allowed-host', 'a b/c'], /--allowed-host "a b\/c" must be a host name/],
  ])('refuses %j with exit 2 and a message naming the flag', async (args, message) => {
    const result = await runCli(['start', '--port', '0', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).not.toContain('listening');
  });

  it.each([
    [
      'a symbolic link as FILE.log',
      'log',
      (p: string) => symlinkSync(join(dir, 'victim'), p),
      /is a symbolic link/,
    ],
    [
      'a symbolic link as FILE.lock',
      'lock',
      (p: string) => symlinkSync(join(dir, 'victim'), p),
      /is a symbolic link/,
    ],
    ['a FIFO as FILE.lock', 'lock', (p: string) => execFileSync('mkfifo', [p]), /is a FIFO/],
  ])(
    'refuses %s: exit 2, one line naming the file, the link target untouched',
    async (_title, ext, plant, message) => {
      writeFileSync(join(dir, 'victim'), 'precious');
      const db = join(dir, `db-${ext}-${Math.random().toString(36).slice(2)}.json`);
      plant(`${db}.${ext}`);
      const result = await runCli(['start', '--port', '0', '--db', db]);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(`${db}.${ext}`);
      expect(result.stderr).toMatch(message);
      expect(readFileSync(join(dir, 'victim'), 'utf8')).toBe('precious');
    },
  );
});
