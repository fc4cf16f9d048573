/**
 * The zod builders the options schema (config-schema.ts) uses, and nothing else of zod.
 *
 * Every start validates its options, so this is on the start path. `npm run build` replaces the
 * compiled dist/config-zod.js with an esbuild bundle of this file (scripts/bundle.mjs
 * `config-zod`): zod's builders inlined and tree-shaken, without zod's 60 locale files, so loading
 * it costs ~10 ms of CPU instead of ~100 ms. It is the same zod code, so the schema, its messages
 * and its types are the same as with `import 'zod'` (what the sources and the tests use).
 */
import { array, boolean, custom, enum as enum_, number, strictObject, string, union } from 'zod';

/** The subset of zod's `z` namespace the options schema is written with. */
export const z = { array, boolean, custom, enum: enum_, number, strictObject, string, union };
