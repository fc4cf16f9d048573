/**
 * Build step (npm run build): validate the bundled seed with the full schema, then record the hash
 * of its files so `start` can skip the schema (and loading zod) while they are unchanged.
 */
import { loadSeed } from './loader.js';
import { bundledSeedDir, writeSeedStamp } from './seed-files.js';

loadSeed(bundledSeedDir());
writeSeedStamp(bundledSeedDir());
