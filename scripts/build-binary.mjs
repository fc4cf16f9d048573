/**
 * npm run build:binary: one Linux x64 file, build/gpc-sandbox, that runs the CLI without Node or
 * node_modules (Node's single-executable application support, https://nodejs.org/api/single-executable-applications.html).
 *
 * 1. esbuild bundles the CLI, its dependencies and the seed/, scenarios/ and public/ files into one
 *    CommonJS script (scripts/bundle.mjs binary);
 * 2. `node --experimental-sea-config sea-config.json` turns it into a preparation blob;
 * 3. postject injects the blob into a copy of the Node binary running this script.
 *
 * Exits 3, with one line saying why, when this machine cannot build it (not Linux x64, a Node
 * without the single-executable fuse, postject not installed); other failures exit 1.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const config = JSON.parse(readFileSync(join(ROOT, 'sea-config.json'), 'utf8'));
const output = join(ROOT, 'build/gpc-sandbox');

function cannot(why) {
  process.stderr.write(`build:binary: cannot build the single executable here: ${why}\n`);
  process.exit(3);
}

if (process.platform !== 'linux' || process.arch !== 'x64')
  cannot(`it is built for Linux x64 and this is ${process.platform} ${process.arch}`);
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 12)) cannot(`Node ${process.version} is older than 20.12`);
if (!readFileSync(process.execPath).includes(FUSE))
  cannot(
    `${process.execPath} was built without single-executable support (no ${FUSE}); use an official Node build`,
  );
let postject;
try {
  postject = createRequire(import.meta.url)('postject');
} catch {
  cannot('postject is not installed (npm ci installs it as a dev dependency)');
}
if (!existsSync(join(ROOT, 'dist/seeding/bundled-seed.stamp.json')))
  cannot('dist/ is missing: run npm run build first (npm run build:binary does)');

rmSync(join(ROOT, 'build'), { recursive: true, force: true });
mkdirSync(join(ROOT, 'build/sea'), { recursive: true });
const run = (args) => execFileSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
run([join(ROOT, 'scripts/bundle.mjs'), 'binary', join(ROOT, config.main)]);
run(['--experimental-sea-config', join(ROOT, 'sea-config.json')]);
copyFileSync(process.execPath, output);
chmodSync(output, 0o755);
await postject.inject(output, 'NODE_SEA_BLOB', readFileSync(join(ROOT, config.output)), {
  sentinelFuse: FUSE,
});
rmSync(join(ROOT, 'build/sea'), { recursive: true, force: true });
const mb = (statSync(output).size / 1e6).toFixed(0);
process.stdout.write(
  `build:binary: wrote build/gpc-sandbox (${mb} MB, Node ${process.version}, Linux x64)\n`,
);
