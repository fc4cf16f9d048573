// The CLI's refusals are one clean line each (no "$:" placeholder, no JSON.parse echo split over
// lines), and what it prints for pipes ends with a newline.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gpc-cli-messages-'));
const notJson = join(dir, 'not-json.json');
writeFileSync(notJson, 'nope\n{\n');
const array = join(dir, 'array.json');
writeFileSync(array, '[]\n');
const emptySeed = join(dir, 'empty-seed');
mkdirSync(emptySeed);
const wrongShapeSeed = join(dir, 'wrong-shape-seed');
mkdirSync(wrongShapeSeed);
const bundledSeed = join(import.meta.dirname, '../../seed');
for (const name of readdirSync(bundledSeed).filter((f) => f.endsWith('.json')))
  copyFileSync(join(bundledSeed, name), join(wrongShapeSeed, name));
writeFileSync(join(wrongShapeSeed, 'patients.json'), '{}');

describe('CLI refusals are one line naming the file, with no JSON path placeholder', () => {
  it.each([
    [
      'start --seed of a folder that does not exist',
      ['start', '--seed', '/nonexistent'],
      '/nonexistent: seed directory not found',
    ],
    ['start --seed of a file', ['start', '--seed', notJson], `${notJson}: not a directory`],
    [
      'start --seed of an empty folder',
      ['start', '--seed', emptySeed],
      `${join(emptySeed, 'seed.json')}: file not found (and 5 more)`,
    ],
    [
      'start --seed whose patients.json is an object',
      ['start', '--seed', wrongShapeSeed],
      `${join(wrongShapeSeed, 'patients.json')}: expected an array, got an object`,
    ],
    [
      'start --scenario that is not JSON',
      ['start', '--scenario', notJson],
      `${notJson}: not valid JSON: Unexpected token 'o'`,
    ],
    [
      'validate a file that is not JSON',
      ['validate', notJson],
      `${notJson}: not valid JSON: Unexpected token 'o'`,
    ],
    ['validate a folder', ['validate', emptySeed], `${emptySeed}: cannot read the file (EISDIR)`],
  ])('%s', async (_name, args, expected) => {
    const result = await runCli([...args, ...(args[0] === 'start' ? ['--port', '0'] : [])]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(expected);
    expect(result.stderr).not.toMatch(/\$:/);
    expect(result.stderr.endsWith('\n')).toBe(true);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('gpc-sandbox headers output ends with a newline, so a shell prompt or the next command starts on its own line', () => {
  it.each([
    ['--json', ['--json']],
    ['curl config', []],
  ])('%s', async (_name, extra) => {
    const result = await runCli(['headers', 'read:metadata-1', ...extra]);
    expect(result.code).toBe(0);
    expect(result.stdout.endsWith('\n')).toBe(true);
    expect(result.stdout.endsWith('\n\n')).toBe(false);
    if (extra.includes('--json')) expect(JSON.parse(result.stdout)['Ssp-InteractionID']).toMatch(/^urn:/);
  });
});

describe('gpc-sandbox headers refuses a bad --aud naming that flag', () => {
  it('names --aud, not another flag', async () => {
    const result = await runCli(['headers', 'read:metadata-1', '--aud', 'providerURL_1_x_x']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--aud must be an http\(s\) URL/);
    expect(result.stderr).not.toMatch(/--public-url/);
  });
});
