import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';

/**
 * Time to ready (bench/README.md, issue 15 "no slower"): a start without `--db redis://…` loads
 * neither zod (its options are checked with the builders bundled into dist/config-zod.js) nor
 * ioredis. Every module the process loads is recorded, both ways a module is loaded: `import`
 * (an ES module loader hook) and `require` (including createRequire, through Module._load).
 */
const IMPORT_HOOK = `data:text/javascript,${encodeURIComponent(
  `import { register } from 'node:module';
   register('data:text/javascript,' + encodeURIComponent(
     'export async function load(url, context, next) { process._rawDebug("LOADED " + url); return next(url, context); }'));`,
)}`;
const REQUIRE_HOOK = `const M = require('node:module');
const load = M._load;
M._load = function (request, ...rest) { process._rawDebug('LOADED require:' + request); return load.call(this, request, ...rest); };`;

function modulesLoadedByStart(args: string[]): Promise<string[]> {
  const preload = join(mkdtempSync(join(tmpdir(), 'gpc-loads-')), 'require-hook.cjs');
  writeFileSync(preload, REQUIRE_HOOK);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', IMPORT_HOOK, '--require', preload, CLI, 'start', '--port', '0', '--quiet', ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no ready line; stderr: ${err.slice(-2000)}`));
    }, 20_000);
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/listening on http/.test(out)) child.kill('SIGTERM');
    });
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(err.split('\n').filter((l) => l.startsWith('LOADED ')));
    });
  });
}

describe('what a start loads', () => {
  it.each([
    ['the bundled seed', []],
    ['--auth strict', ['--auth', 'strict']],
  ])('with %s: neither zod nor ioredis (express, as a check that loads are seen)', async (_name, args) => {
    const loaded = await modulesLoadedByStart(args);
    expect(loaded.some((l) => /node_modules\/express\/|require:express$/.test(l))).toBe(true);
    expect(loaded.filter((l) => /node_modules\/(zod|ioredis)\/|require:(zod|ioredis)(\/|$)/.test(l))).toEqual(
      [],
    );
  });
});
