import type { SandboxCore } from './core.js';

/**
 * The core behind each sandbox handed out by createSandbox() / startSandbox(). The public handles
 * carry no internals; this package's own tests reach them through src/testing.ts.
 */
const cores = new WeakMap<object, SandboxCore>();

export function registerCore<T extends object>(handle: T, core: SandboxCore): T {
  cores.set(handle, core);
  return handle;
}

/** The core of a handle createSandbox() or startSandbox() returned; throws for anything else. */
export function coreOf(handle: object): SandboxCore {
  const core = cores.get(handle);
  if (!core) throw new TypeError('not a sandbox made by createSandbox() or startSandbox()');
  return core;
}
