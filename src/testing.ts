/**
 * Internals for this package's own test suite and benchmarks; not part of the published API
 * (not in package.json "exports"). The public API (src/index.ts) carries no internals.
 */
export { listen } from './http/server.js';
export type { SandboxCore } from './sandbox/core.js';
export { coreOf } from './sandbox/handles.js';
