/**
 * What a decided fault step does to the response, as plain types with no schema library behind
 * them: the published types (FaultRule, ListedRule) reach these, never the step definitions.
 */
import type { SpineCode } from '../../fhir/operation-outcome.js';
import type { SspStatus } from '../ssp-errors.js';

/** The longest fault delay (ms): 10 minutes; `drop: "hang"` never answers at all. */
export const MAX_DELAY_MS = 600_000;

/** `drop` modes: `reset` (TCP RST), `hang` (never answer), `empty` (close without a response), `garbage`. */
export const DROP_MODES = ['reset', 'hang', 'empty', 'garbage'] as const;
export type DropMode = (typeof DROP_MODES)[number];

/** An error step, decided: what the response will carry. */
export type ErrorAction =
  | {
      kind: 'error';
      ssp: false;
      /** Only when the rule gives one; otherwise the active profile's status for the code. */
      status?: number;
      code: SpineCode;
      display?: string;
      diagnostics: string;
    }
  | {
      kind: 'error';
      ssp: true;
      status: SspStatus;
      /** The status as a string, as the SSP codes it. */
      code: string;
      display: string;
      diagnostics: string;
    };

/** What a decision does to the response (the outcome step, decided), for the journal and tests. */
export type FaultAction =
  | ErrorAction
  | { kind: 'drop'; mode: DropMode }
  | { kind: 'steal' }
  /** Answer a search with an empty searchset Bundle (200). Other requests run as normal. */
  | { kind: 'empty-bundle' }
  | { kind: 'delay-only' };
