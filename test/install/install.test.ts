// README "Install": the package is not on a registry, so it is used from a tarball (`npm pack`), a
// file: path to a clone, or a git URL. Each is installed here into a fresh consumer project, whose
// CLI and `import { startSandbox }` must then work. What the tarball carries is checked too: the
// license, the docs, and every relative link or image in its Markdown.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  license: string;
  repository?: { type: string; url: string };
  dependencies: Record<string, string>;
  bin: Record<string, string>;
  engines: Record<string, string>;
};
const run = promisify(execFile);

async function npm(args: string[], cwd: string, timeout = 240_000): Promise<string> {
  try {
    return (await run('npm', [...args, '--no-audit', '--no-fund'], { cwd, timeout, maxBuffer: 64 << 20 }))
      .stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}: ${e.message}\n${e.stderr ?? ''}`.slice(0, 4000));
  }
}

let packed: Promise<string[]> | undefined;
/** The files `npm pack` puts in the tarball (asked once: each npm run costs seconds). */
function packedFiles(): Promise<string[]> {
  packed ??= npm(['pack', '--dry-run', '--json', '--ignore-scripts'], ROOT).then((out) =>
    (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path),
  );
  return packed;
}

/** Relative link and image targets in Markdown (`[t](x)`, `![a](x)`) and HTML (`src`/`href`). */
function relativeTargets(markdown: string): string[] {
  const targets = [
    ...[...markdown.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!),
    ...[...markdown.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!),
  ];
  return targets
    .filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t) && !t.startsWith('#'))
    .map((t) => t.split('#')[0]!);
}

describe('the tarball (npm pack)', () => {
  it('carries the licence, README, docs, build, seed, scenarios and admin page, and no tests', async () => {
    const files = await packedFiles();
    for (const f of [
      'LICENSE',
      'README.md',
      'package.json',
      'docs/admin.md',
      'docs/admin-page.png',
      'docs/examples/fhir-kit-client.mjs',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cli/main.js',
      'seed/patients.json',
      'scenarios/slot-race.json',
      'public/index.html',
    ])
      expect(files).toContain(f);
    expect(files.filter((f) => /\.test\.|^test\/|^src\//.test(f))).toEqual([]);
  });

  it('names its licence (MIT, as LICENSE says) and its repository', () => {
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
    expect(pkg.repository).toMatchObject({
      type: 'git',
      url: expect.stringMatching(/^git\+https:\/\/.+\.git$/),
    });
  });

  it('every relative link and image in its Markdown resolves to a file in it', async () => {
    const files = await packedFiles();
    const broken: string[] = [];
    for (const md of files.filter((f) => f.endsWith('.md'))) {
      for (const target of relativeTargets(readFileSync(join(ROOT, md), 'utf8'))) {
        const path = posix.normalize(posix.join(posix.dirname(md), target));
        const found = path.endsWith('/') ? files.some((f) => f.startsWith(path)) : files.includes(path);
        if (!found) broken.push(`${md}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

/** What a consumer does after installing: the CLI, the ready line, and the ES module API. */
async function checkConsumer(dir: string): Promise<void> {
  const bin = join(dir, 'node_modules/.bin/gpc-sandbox');
  const headers = JSON.parse((await run(bin, ['headers', 'read:metadata-1', '--json'])).stdout);
  expect(headers['Ssp-InteractionID']).toMatch(/^urn:nhs:names:services:gpconnect:fhir:rest:read:metadata/);

  const child = spawn(bin, ['start', '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const ready = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/listening on http/.test(out)) resolve(out);
    });
    exited.then((code) => reject(new Error(`gpc-sandbox start exited with ${code}: ${out}`)));
  });
  expect(ready).toMatch(/^gpc-sandbox listening on http:\/\/127\.0\.0\.1:\d+/);
  child.kill('SIGTERM');
  expect(await exited).toBe(0);

  writeFileSync(
    join(dir, 'check.mjs'),
    `import { buildEnvelope, startSandbox } from 'gpconnect-sandbox';
const sandbox = await startSandbox({ port: 0 });
const res = await fetch(\`\${sandbox.fhirBase}/metadata\`, { headers: buildEnvelope('read:metadata-1') });
console.log(JSON.stringify({ status: res.status, fhirVersion: (await res.json()).fhirVersion }));
await sandbox.close();
`,
  );
  const { stdout } = await run(process.execPath, ['check.mjs'], { cwd: dir });
  expect(JSON.parse(stdout)).toEqual({ status: 200, fhirVersion: '3.0.1' });
}

function consumerProject(dependency: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gpc-consumer-'));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'consumer',
      private: true,
      type: 'module',
      dependencies: { [pkg.name]: dependency },
    }),
  );
  return dir;
}

/**
 * A lockfile for a consumer of `resolved`, listing this repository's locked runtime dependencies,
 * so `npm ci --offline` installs from npm's cache alone (a plain `npm install` would ask the
 * registry for each dependency's version list).
 */
/**
 * A lock entry with its registry tarball URL: our lockfile may omit `resolved`, and without it
 * an offline install asks for the package's version list, which `npm ci` never cached; with it,
 * the tarball comes from the cache by its integrity.
 */
function withResolved(path: string, entry: Record<string, unknown>): Record<string, unknown> {
  if (entry['resolved'] !== undefined || typeof entry['version'] !== 'string') return entry;
  const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
  const file = `${name.split('/').pop()}-${entry['version']}.tgz`;
  return { ...entry, resolved: `https://registry.npmjs.org/${name}/-/${file}` };
}

function writeConsumerLock(dir: string, resolved: string): void {
  const ours = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<
      string,
      { dev?: boolean; devOptional?: boolean; link?: boolean } & Record<string, unknown>
    >;
  };
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', dependencies: { [pkg.name]: resolved } },
    [`node_modules/${pkg.name}`]: {
      version: pkg.version,
      resolved,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [path, entry] of Object.entries(ours.packages)) {
    if (path.startsWith('node_modules/') && !entry.dev && !entry.devOptional && !entry.link)
      packages[path] = withResolved(path, entry);
  }
  writeFileSync(
    join(dir, 'package-lock.json'),
    JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages }),
  );
}

describe('installing it into another project', () => {
  it('from a tarball made by npm pack (offline)', { timeout: 300_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'gpc-pack-'));
    // dist/ is already built (npm test builds first); npm pack would otherwise run prepare.
    await npm(['pack', '--ignore-scripts', '--pack-destination', out], ROOT);
    const tarball = join(out, `${pkg.name}-${pkg.version}.tgz`);
    const dir = consumerProject(`file:${tarball}`);
    writeConsumerLock(dir, `file:${tarball}`);
    await npm(['ci', '--offline'], dir);
    for (const f of ['LICENSE', 'README.md', 'docs/admin-page.png'])
      expect(readFileSync(join(dir, 'node_modules', pkg.name, f)).length).toBeGreaterThan(0);
    await checkConsumer(dir);
  });

  it('from a file: path to a built clone (offline)', { timeout: 300_000 }, async () => {
    const dir = consumerProject(`file:${ROOT}`);
    await npm(['install', '--offline'], dir);
    await checkConsumer(dir);
  });

  // A git URL install clones, installs the package's devDependencies (tsc), runs `prepare` (the
  // build) and packs the result: minutes of work and the registry for version lists, so it runs in
  // CI (CI=true, as .ci/run is run) and when asked with GPC_INSTALL_GIT=1.
  it.runIf(process.env.CI === 'true' || process.env.GPC_INSTALL_GIT === '1')(
    'from a git URL (a local bare clone; prepare builds it)',
    { timeout: 900_000 },
    async () => {
      const work = mkdtempSync(join(tmpdir(), 'gpc-git-'));
      const bare = join(work, 'gpconnect-sandbox.git');
      await run('git', ['clone', '--quiet', '--bare', '--no-local', ROOT, bare]);
      const dir = join(work, 'consumer');
      mkdirSync(dir);
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
      );
      await npm(['install', '--prefer-offline', `git+file://${bare}`], dir, 840_000);
      // The clone had no dist/: prepare built it.
      expect(existsSync(join(dir, 'node_modules', pkg.name, 'dist/index.js'))).toBe(true);
      await checkConsumer(dir);
    },
  );
});
