/**
 * Entry of the single executable (scripts/build-binary.mjs): unpack the embedded seed/,
 * scenarios/, public/ and seed stamp into a folder laid out like the package (once per content,
 * under the OS temporary folder), point the modules' package root there, then run the CLI.
 */

import assets from 'gpc-sandbox:assets';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const hash = createHash('sha256');
for (const [name, data] of Object.entries(assets)) hash.update(`${name}\n${data}\n`);
// Per user, so one user's unpacked copy never stands in another's way.
const root = join(tmpdir(), `gpc-sandbox-${process.getuid?.() ?? 'user'}-${hash.digest('hex').slice(0, 16)}`);
if (!existsSync(join(root, '.complete'))) {
  // Unpack beside, then rename into place: a concurrent start never sees half a folder.
  const staging = `${root}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  for (const [name, data] of Object.entries(assets)) {
    mkdirSync(dirname(join(staging, name)), { recursive: true });
    writeFileSync(join(staging, name), Buffer.from(data, 'base64'));
  }
  writeFileSync(join(staging, '.complete'), '');
  try {
    renameSync(staging, root);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another start won the race
    if (!existsSync(join(root, '.complete')))
      throw new Error(`cannot unpack the sandbox's files into ${root}`);
  }
}
globalThis.__gpcRoot = root;
import('../src/cli/main.ts');
