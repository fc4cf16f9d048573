/**
 * Build step (npm run build): validate the bundled seed with the full schema, then record the hash
 * of its files so `start` can skip the schema (and loading zod) while they are unchanged.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadSeed } from './loader.js';
import { BUNDLED_SEED_STAMP, bundledSeedDir, writeBundledSeedStamp } from './seed-files.js';

loadSeed(bundledSeedDir());
writeFileSync(fileURLToPath(BUNDLED_SEED_STAMP), `${writeBundledSeedStamp()}\n`);
