import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** A consumer's code using every public export: it must compile against the published .d.ts alone. */
const CONSUMER = `
import {
  buildEnvelope, type ClockChange, ConfigError, type CreatedSandbox, createSandbox, type FaultRule,
  InputError, type JournalEntry, type ListedRule, type RunningSandbox, type SandboxOptions,
  type SessionHandle, type StateView, startSandbox,
} from 'gpconnect-sandbox';

const options: SandboxOptions = { port: 0, clock: '2026-06-01T08:00:00+01:00', sessionTtl: 'PT2S' };
const created: CreatedSandbox = createSandbox(options);
// @ts-expect-error the public API carries no internals
created.core;
const sb: RunningSandbox = await startSandbox(options);
// @ts-expect-error the public API carries no internals
sb.core;
const session: SessionHandle = sb.session('test-1');
const rule: FaultRule = { name: 'busy', error: { code: 'DUPLICATE_REJECTED' }, times: 1 };
await session.armFault(rule);
const armed: ListedRule[] = session.faults();
const gone: boolean = session.disarmFault('busy');
const view: StateView = session.state();
const free: number = view.counts.freeSlots;
const journal: JournalEntry[] = sb.requests(10);
const change: ClockChange = { advance: 'PT1H' };
const clock: { now: string; frozen: boolean } = await sb.setClock(change);
const headers: Record<string, string> = { ...buildEnvelope('create:appointment-1'), ...session.headers };
const errors: Error[] = [new ConfigError('x', 'port'), new InputError('y', 'now')];
console.log(armed, gone, free, journal, clock, headers, errors);
await created.close();
await sb.close();
`;

describe('the published .d.ts (issue 15 §6)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpc-consumer-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('compile in a consumer project with skipLibCheck false and only @types/node', () => {
    // The package as npm would install it (declarations only: types are all tsc reads) ...
    const pkg = join(dir, 'node_modules', 'gpconnect-sandbox');
    mkdirSync(pkg, { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
    cpSync(join(ROOT, 'dist'), join(pkg, 'dist'), {
      recursive: true,
      filter: (source) => !/\.[cm]?js$/.test(source),
    });
    // ... beside @types/node and nothing else: express, commander, zod and their types are absent.
    mkdirSync(join(dir, 'node_modules', '@types'), { recursive: true });
    symlinkSync(
      join(ROOT, 'node_modules', '@types', 'node'),
      join(dir, 'node_modules', '@types', 'node'),
      'dir',
    );
    symlinkSync(join(ROOT, 'node_modules', 'undici-types'), join(dir, 'node_modules', 'undici-types'), 'dir');
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'consumer', type: 'module', private: true }),
    );
    writeFileSync(join(dir, 'index.ts'), CONSUMER);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          skipLibCheck: false,
          types: ['node'],
          noEmit: true,
        },
        files: ['index.ts'],
      }),
    );
    const result = spawnSync(process.execPath, [TSC, '-p', dir, '--listFiles'], { encoding: 'utf8' });
    const output = `${result.stdout}${result.stderr}`;
    const errors = output.split('\n').filter((line) => /error TS\d+/.test(line));
    expect(errors).toEqual([]);
    expect(result.status).toBe(0);
    // Every declaration read is the package's own, @types/node's or TypeScript's lib.
    const read = output
      .split('\n')
      .filter((line) => line.includes('node_modules'))
      .map((line) => relative(dir, line.trim()))
      .filter((path) => !path.startsWith('..'));
    expect(read.length).toBeGreaterThan(0);
    expect(
      read.filter((path) => !/^node_modules\/(gpconnect-sandbox|@types\/node|undici-types)\//.test(path)),
    ).toEqual([]);
    expect(read.some((path) => path.startsWith('node_modules/gpconnect-sandbox/dist/index.d.ts'))).toBe(true);
  });

  it.each(['node16', 'nodenext'])(
    'compile from a CommonJS file (.cts, "module": "%s") against the require types',
    (module) => {
      const cjs = join(dir, `cjs-${module}`);
      mkdirSync(cjs, { recursive: true });
      cpSync(join(dir, 'node_modules'), join(cjs, 'node_modules'), {
        recursive: true,
        verbatimSymlinks: true,
      });
      writeFileSync(join(cjs, 'package.json'), JSON.stringify({ name: 'consumer-cjs', private: true }));
      writeFileSync(
        join(cjs, 'use.cts'),
        `import { startSandbox, buildEnvelope, type RunningSandbox } from 'gpconnect-sandbox';
async function main(): Promise<void> {
  const sb: RunningSandbox = await startSandbox({ port: 0 });
  console.log(buildEnvelope('read:metadata-1'), sb.url);
  await sb.close();
}
void main();
`,
      );
      writeFileSync(
        join(cjs, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { module, strict: true, skipLibCheck: false, types: ['node'], noEmit: true },
          files: ['use.cts'],
        }),
      );
      const result = spawnSync(process.execPath, [TSC, '-p', cjs, '--listFiles'], { encoding: 'utf8' });
      const output = `${result.stdout}${result.stderr}`;
      expect(output.split('\n').filter((line) => /error TS\d+/.test(line))).toEqual([]);
      expect(result.status).toBe(0);
      expect(output).toContain('gpconnect-sandbox/dist/index.d.cts');
      expect(output).not.toMatch(/gpconnect-sandbox\/dist\/index\.d\.ts/);
    },
  );
});
