// README "Without Node: a single executable": npm run build:binary's file runs the CLI from an empty
// folder with no Node and no node_modules beside it, with the bundled seed, scenarios and admin page.
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { buildEnvelope } from '../../src/auth/build-headers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const folder = mkdtempSync(join(tmpdir(), 'gpc-binary-'));
const binary = join(folder, 'gpc-sandbox');
/** Why the binary could not be built on this machine (build-binary.mjs exits 3), if it could not. */
let cannotBuild: string | undefined;
let server: ChildProcess | undefined;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a program to its end, with a bare environment (no NODE_* variables, no npm). */
function run(file: string, args: string[], cwd: string, timeoutMs = 30_000): Promise<Run> {
  const child = spawn(file, args, { cwd, env: { PATH: '/usr/bin:/bin', HOME: folder }, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

beforeAll(async () => {
  const build = await new Promise<Run>((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts/build-binary.mjs')], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
  if (build.code === 3) {
    cannotBuild = build.stderr.trim();
    process.stderr.write(`test/e2e/binary.test.ts skipped: ${cannotBuild}\n`);
    return;
  }
  expect({ code: build.code, stderr: build.stderr.slice(-2000) }).toMatchObject({ code: 0 });
  // Run from a copy in an empty folder: nothing of the repository is reachable from there.
  copyFileSync(join(ROOT, 'build/gpc-sandbox'), binary);
}, 240_000);

afterAll(() => {
  server?.kill('SIGKILL');
  rmSync(folder, { recursive: true, force: true });
});

function skipUnlessBuilt(ctx: TestContext) {
  if (cannotBuild) ctx.skip(`the single executable cannot be built here: ${cannotBuild}`);
}

describe('the single executable', () => {
  it('serves the FHIR API, a bundled scenario and the admin page from an empty folder', async (ctx) => {
    skipUnlessBuilt(ctx);
    const workDir = mkdtempSync(join(folder, 'start-'));
    server = spawn(binary, ['start', '--port', '0', '--scenario', 'no-slots'], {
      cwd: workDir,
      env: { PATH: '/usr/bin:/bin', HOME: folder },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    server.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      server!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      server!.on('exit', (code) => reject(new Error(`exited ${code} before the ready line: ${stderr}`)));
    });

    const metadata = await fetch(`${url}/metadata`, { headers: buildEnvelope('read:metadata-1') });
    expect(metadata.status).toBe(200);
    expect(((await metadata.json()) as { resourceType: string }).resourceType).toBe('CapabilityStatement');

    const page = await fetch(`${url}/_admin/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script');
    const script = await fetch(`${url}/_admin/admin.js`);
    expect(script.status).toBe(200);

    const state = (await (await fetch(`${url}/_admin/state`)).json()) as {
      scenario: string;
      counts: { patients: number; slots: number };
    };
    expect(state.scenario).toBe('no-slots');
    expect(state.counts.patients).toBeGreaterThan(5);
    expect(state.counts.slots).toBeGreaterThan(100);

    server.kill('SIGTERM');
    await new Promise((r) => server!.once('exit', r));
    expect(readdirSync(workDir)).toEqual([]); // nothing written where it was started
  });

  it('runs seed, validate, scenarios and headers', async (ctx) => {
    skipUnlessBuilt(ctx);
    const workDir = mkdtempSync(join(folder, 'cmd-'));
    const scenarios = await run(binary, ['scenarios'], workDir);
    expect(scenarios.code).toBe(0);
    expect(scenarios.stdout).toContain('slot-race');

    const headers = await run(binary, ['headers', 'create:appointment-1', '--json'], workDir);
    expect(headers.code).toBe(0);
    expect(JSON.parse(headers.stdout)['Ssp-InteractionID']).toBe(
      'urn:nhs:names:services:gpconnect:fhir:rest:create:appointment-1',
    );

    const seed = await run(
      binary,
      [
        'seed',
        '--random-seed',
        '7',
        '--patients',
        '5',
        '--practitioners',
        '2',
        '--days',
        '3',
        '--out',
        'my-seed',
      ],
      workDir,
    );
    expect({ code: seed.code, stderr: seed.stderr }).toEqual({ code: 0, stderr: '' });
    expect(readdirSync(join(workDir, 'my-seed'))).toContain('patients.json');

    writeFileSync(join(workDir, 'bad.json'), JSON.stringify({ description: 'x', rules: [{ name: 'r' }] }));
    const valid = await run(binary, ['validate', 'my-seed/patients.json'], workDir);
    expect(valid.code).toBe(0);
    const invalid = await run(binary, ['validate', 'bad.json'], workDir);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('bad.json');
  });
});
