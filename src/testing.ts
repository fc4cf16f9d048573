/**
 * Internals for this package's own test suite and benchmarks; not part of the published API
 * (not in package.json "exports"). The public API (src/index.ts) carries no internals.
 */

import type { SandboxCore } from './application/core.js';
import { applicationOf } from './application/handles.js';

export type { SandboxCore } from './application/core.js';
export { listen } from './http/server.js';

/**
 * The SandboxCore behind a handle createSandbox() or startSandbox() returned (the composition
 * root registers nothing else); throws TypeError for anything else.
 */
export function coreOf(handle: object): SandboxCore {
  return applicationOf(handle) as SandboxCore;
}
