import type { Application } from './application.js';

/**
 * The application behind each sandbox handed out by createSandbox() / startSandbox(). The public
 * handles carry no internals; this package's own tests reach them through src/testing.ts.
 */
const cores = new WeakMap<object, Application>();

/** Remember the application behind a public handle; returns the handle. */
export function registerCore<T extends object>(handle: T, core: Application): T {
  cores.set(handle, core);
  return handle;
}

/** The application of a handle createSandbox() or startSandbox() returned; throws TypeError for anything else. */
export function applicationOf(handle: object): Application {
  const core = cores.get(handle);
  if (!core) throw new TypeError('not a sandbox made by createSandbox() or startSandbox()');
  return core;
}
