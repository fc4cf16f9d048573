// README "Use it from Jest (CommonJS)": real Jest 30 runs a CommonJS test file that requires the
// package the way a consumer project has it installed (node_modules/gpconnect-sandbox), with no flags.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const JEST = join(ROOT, 'node_modules/jest/bin/jest.js');
const project = mkdtempSync(join(tmpdir(), 'gpc-jest-'));

afterAll(() => rmSync(project, { recursive: true, force: true }));

function run(args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

it('works from a Jest 30 test file written in CommonJS, with no flags', { timeout: 90_000 }, async () => {
  expect(existsSync(join(ROOT, 'dist/index.cjs')), 'run npm run build first').toBe(true);
  cpSync(join(ROOT, 'test/jest'), project, { recursive: true });
  // The package as a consumer has it installed: node_modules/gpconnect-sandbox, resolved through
  // package.json "exports" (the require condition).
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(ROOT, join(project, 'node_modules/gpconnect-sandbox'), 'dir');

  const result = await run([JEST, '--ci', '--json', '--outputFile=result.json'], project);
  const report = JSON.parse(readFileSync(join(project, 'result.json'), 'utf8')) as {
    success: boolean;
    numPassedTests: number;
    numFailedTests: number;
    testResults: Array<{ name: string }>;
  };
  expect({ code: result.code, success: report.success }, result.output).toEqual({ code: 0, success: true });
  expect(report.numPassedTests).toBe(3);
  expect(report.numFailedTests).toBe(0);
  // Jest ran the fixture's CommonJS file and nothing else.
  expect(report.testResults.map((r) => r.name.slice(project.length))).toEqual(['/booking.jest.cjs']);
});
