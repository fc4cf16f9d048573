import { SandboxState } from '../domain/state.js';
import type { SandboxCore } from '../sandbox/core.js';
import type { World } from '../sandbox/world.js';
import type { StoreDocument } from '../store/store.js';

/** PUT /_admin/snapshot: the state as the --db file holds it (checks in sandbox/document.ts). */

/**
 * Replace a world's state with a checked document. The default world goes through the core (its
 * clock too, and the --db file); a session's takes the state alone, since the clock is shared.
 */
export async function importSnapshot(core: SandboxCore, world: World, doc: StoreDocument): Promise<void> {
  // Requests admitted under the state being replaced must not commit into the imported one.
  world.newGeneration('reset (snapshot import)');
  if (world === core.defaultWorld) await core.importDocument(doc);
  else world.state.replaceWith(SandboxState.from(doc.state));
}
