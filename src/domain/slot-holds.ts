import { DomainError } from './errors.js';
import type { Slot } from './model.js';
import type { SandboxState } from './state.js';

/**
 * A practice holding a generated slot busy for its own use, or freeing it again. A slot held by a
 * booked appointment stays with it: holding it changes nothing, and it is freed only by cancelling
 * that appointment (DomainError slot-taken naming the appointment in `heldBy`).
 * Both return the booked appointment holding the slot, if any.
 */
export function holdSlot(state: SandboxState, slot: Slot): string | undefined {
  const heldBy = state.busy.get(slot.id);
  if (heldBy === undefined) state.blockedSlots.add(slot.id);
  state.touched();
  return heldBy;
}

/** Free a slot the practice held busy; see holdSlot. */
export function releaseSlot(state: SandboxState, slot: Slot): void {
  const heldBy = state.busy.get(slot.id);
  if (heldBy !== undefined) {
    throw new DomainError({ kind: 'slot-taken', slotId: slot.id, index: 0, start: slot.start, heldBy });
  }
  state.blockedSlots.delete(slot.id);
  state.touched();
}
