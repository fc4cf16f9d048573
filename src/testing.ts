/**
 * Internals for this package's own test suite and benchmarks; not part of the published API
 * (not in package.json "exports"). The public API (src/index.ts) carries no internals.
 */

export type { SandboxCore } from './application/core.js';
export { coreOf } from './application/handles.js';
export { listen } from './http/server.js';
