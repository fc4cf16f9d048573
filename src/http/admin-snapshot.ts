import { SandboxState } from '../domain/state.js';
import type { SandboxCore } from '../sandbox/core.js';
import { checkDocument } from '../sandbox/document.js';
import type { World } from '../sandbox/world.js';
import type { StoreDocument } from '../store/store.js';

/** GET/PUT /_admin/snapshot: the state as the --db file holds it (checks in sandbox/document.ts). */

export function exportSnapshot(core: SandboxCore, world: World): StoreDocument {
  return { ...core.snapshot(), state: world.state.toPersisted() };
}

/** Check a document; the error names the first bad field as a JSON path. */
export function validateSnapshot(core: SandboxCore, json: unknown): StoreDocument {
  return checkDocument(core, json);
}

/**
 * Replace a world's state with a checked document. The default world goes through the core (its
 * clock too, and the --db file); a session's takes the state alone, since the clock is shared.
 */
export async function importSnapshot(core: SandboxCore, world: World, doc: StoreDocument): Promise<void> {
  if (world === core.defaultWorld) await core.importDocument(doc);
  else world.state.replaceWith(SandboxState.from(doc.state));
}
