/**
 * `drop`: answer with no HTTP at all: `reset` (TCP RST), `hang` (never answer), `empty` (close
 * without a response) or `garbage` (non-HTTP bytes, then close). apply.ts does it to the socket.
 */

import { DROP_MODES, type DropMode } from './actions.js';
import type { StepDefinition, StepImplementation } from './definition.js';

export { DROP_MODES, type DropMode } from './actions.js';

const PHRASES: Record<DropMode, string> = {
  reset: 'reset the connection (TCP RST)',
  hang: 'never answer (the connection is held open)',
  empty: 'close the connection without a response',
  garbage: 'send non-HTTP bytes and close the connection',
};

export const definition: StepDefinition<'drop'> = {
  type: 'drop',
  phase: 'outcome',
  actionKind: 'drop',
  summary: 'answer with no HTTP: reset, hang, empty or garbage',
  schema: (z) => z.enum(DROP_MODES, { error: 'expected "reset", "hang", "empty" or "garbage"' }),
  holds: (step) => step.action.mode === 'hang',
  explain: (mode) => PHRASES[mode],
  decide: (mode) => ({ type: 'drop', action: { kind: 'drop', mode } }),
};

export const implementation: StepImplementation<'drop'> = {
  async apply({ action }, host) {
    host.drop(action.mode);
    return 'dropped';
  },
};
