/**
 * esbuild bundles of the same TypeScript sources tsc compiles to dist/ (ES modules):
 *
 * - `cjs`: dist/index.cjs (+ dist/index.d.cts), the package's CommonJS entry for
 *   `require('gpconnect-sandbox')` (Jest and other CommonJS test runners). Dependencies stay
 *   external except the ESM-only ones (lowdb and its steno), which CommonJS cannot require
 *   everywhere (Jest's module loader cannot), so they are bundled in.
 * - `binary`: one CommonJS script holding the CLI, every dependency and the bundled seed,
 *   scenarios and admin page, for a Node single-executable application (scripts/build-binary.mjs).
 * - `config-zod`: dist/config-zod.js (ES module) replaced by a bundle of src/config-zod.ts with the
 *   zod builders it names inlined and tree-shaken (no locale files), so validating the options on
 *   every start does not load all of zod (time to ready, bench/README.md).
 *
 * ES-module-only constructs in the sources are rewritten per file, so both builds behave as the
 * dist/ modules do:
 * - `import.meta.url` becomes the URL the module would have in dist/ (`dist/seeding/seed-files.js`),
 *   so `new URL('../../seed', import.meta.url)` still finds the package's seed/;
 * - `createRequire(import.meta.url)('x')` (lazy loading) becomes `require('x')`, which esbuild
 *   bundles or leaves external like any other import.
 *
 * Usage: node scripts/bundle.mjs cjs | binary OUTFILE | config-zod
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = join(ROOT, 'src');
const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));

/** ESM-only dependencies: bundled into the CommonJS entry. */
const ESM_ONLY = new Set(['lowdb']);

/** The rewrite of import.meta.url and createRequire described above. */
const esmShim = {
  name: 'esm-shim',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const distFile = relative(SRC, args.path).split(sep).join('/').replace(/\.ts$/, '.js');
      const contents = source
        .replace(/createRequire\(import\.meta\.url\)\(/g, 'require(')
        .replace(/import\.meta\.url/g, `__gpcModuleUrl(${JSON.stringify(distFile)})`);
      // Any other import.meta (dirname, resolve...) would be silently empty in CommonJS: refuse it.
      const left = /import\.meta\.\w+/.exec(contents);
      if (left) return { errors: [{ text: `${left[0]} has no CommonJS form here: use import.meta.url` }] };
      return { contents, loader: 'ts' };
    });
  },
};

/** `import assets from 'gpc-sandbox:assets'`: { 'seed/x.json': base64, ... } for the binary. */
const embeddedAssets = {
  name: 'embedded-assets',
  setup(b) {
    b.onResolve({ filter: /^gpc-sandbox:assets$/ }, () => ({ path: 'assets', namespace: 'gpc-assets' }));
    b.onLoad({ filter: /.*/, namespace: 'gpc-assets' }, async () => {
      const { readdir } = await import('node:fs/promises');
      const files = {};
      for (const folder of ['seed', 'scenarios', 'public']) {
        for (const name of (await readdir(join(ROOT, folder))).sort()) {
          files[`${folder}/${name}`] = (await readFile(join(ROOT, folder, name))).toString('base64');
        }
      }
      // The build-time validation stamp of the bundled seed (npm run build writes it).
      const stamp = 'dist/seeding/bundled-seed.stamp.json';
      files[stamp] = (await readFile(join(ROOT, stamp))).toString('base64');
      return { contents: `export default ${JSON.stringify(files)};`, loader: 'js' };
    });
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
  legalComments: 'none',
};

const [target, outfile] = process.argv.slice(2);
if (target === 'cjs') {
  await build({
    ...common,
    entryPoints: [join(SRC, 'index.ts')],
    outfile: join(ROOT, 'dist/index.cjs'),
    external: Object.keys(pkg.dependencies).filter((name) => !ESM_ONLY.has(name)),
    plugins: [esmShim],
    banner: {
      js: `const __gpcModuleUrl = (file) => require('node:url').pathToFileURL(require('node:path').join(__dirname, file)).href;`,
    },
  });
  // Types for `require`: the same declarations as CommonJS ones. Each dist/**/*.d.ts gets a .d.cts
  // twin whose relative imports name .cjs files (so TypeScript reads the twins): a .d.cts that
  // re-exported the .d.ts would be a CommonJS file importing an ES module, which TypeScript refuses
  // under "module": "node16" (TS1479).
  await writeCommonJsDeclarations(join(ROOT, 'dist'));
} else if (target === 'binary' && outfile) {
  await build({
    ...common,
    entryPoints: [join(ROOT, 'scripts/binary-entry.mjs')],
    outfile,
    plugins: [esmShim, embeddedAssets],
    // The entry unpacks the assets and sets globalThis.__gpcRoot before any module runs.
    banner: {
      js: `const __gpcModuleUrl = (file) => require('node:url').pathToFileURL(require('node:path').join(globalThis.__gpcRoot, 'dist', file)).href;`,
    },
  });
  process.stdout.write(`bundled the CLI into ${relative(process.cwd(), outfile) || outfile}\n`);
} else if (target === 'config-zod') {
  await build({
    ...common,
    format: 'esm',
    entryPoints: [join(SRC, 'config-zod.ts')],
    outfile: join(ROOT, 'dist/config-zod.js'),
    allowOverwrite: true,
  });
} else {
  process.stderr.write('usage: node scripts/bundle.mjs cjs | binary OUTFILE | config-zod\n');
  process.exit(2);
}

/** A .d.cts twin of every .d.ts below `dir`, its relative `.js` specifiers turned into `.cjs`. */
async function writeCommonJsDeclarations(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await writeCommonJsDeclarations(path);
    else if (entry.name.endsWith('.d.ts')) {
      const text = await readFile(path, 'utf8');
      const twin = text.replace(/(['"])(\.{1,2}\/[^'"]*?)\.js\1/g, '$1$2.cjs$1');
      await writeFile(path.replace(/\.d\.ts$/, '.d.cts'), twin);
    }
  }
}
