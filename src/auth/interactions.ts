/**
 * The GP Connect interactions this provider knows, derived from the one operations table
 * (fhir/operations.ts): Ssp-InteractionID, HTTP method, paths and the JWT requested_scope each needs.
 */
import {
  INTERACTION_PREFIX,
  OPERATIONS,
  type OperationMethod,
  operationsOnPath,
  SCOPES,
  type Scope,
} from '../fhir/operations.js';

export { INTERACTION_PREFIX, SCOPES, type Scope };

export type InteractionMethod = OperationMethod;

export interface Interaction {
  /** The full URN sent in Ssp-InteractionID. */
  id: string;
  /** The URN after `…:gpconnect:fhir:`, e.g. `rest:create:appointment-1`. */
  name: string;
  /** What the consumer is doing, as the spec's use-case pages name it. */
  operation: string;
  method: InteractionMethod;
  /** The interaction's main path relative to the FHIR base path; `{id}` stands for one path segment. */
  path: string;
  /** Every path it serves (the read of an appointment also reads its versions). */
  paths: string[];
  scope: Scope;
}

function build(): Interaction[] {
  const byName = new Map<string, Interaction>();
  for (const op of OPERATIONS) {
    const known = byName.get(op.interaction);
    if (known) {
      known.paths.push(op.path);
      continue;
    }
    byName.set(op.interaction, {
      id: INTERACTION_PREFIX + op.interaction,
      name: op.interaction,
      operation: op.summary,
      method: op.method,
      path: op.path,
      paths: [op.path],
      scope: op.scope,
    });
  }
  return [...byName.values()];
}

export const INTERACTIONS: readonly Interaction[] = build();

// Every accepted spelling → interaction, built once: the URN, `rest:create:appointment-1` and
// `create:appointment-1` (PRODUCT.md, `headers INTERACTION`).
const BY_NAME = new Map<string, Interaction>();
for (const i of INTERACTIONS) {
  BY_NAME.set(i.id, i);
  BY_NAME.set(i.name, i);
  BY_NAME.set(i.name.replace(/^(rest|operation):/, ''), i);
}

/** The interaction named by its URN, `rest:create:appointment-1` or `create:appointment-1`. */
export function resolveInteraction(nameOrUrn: string): Interaction | undefined {
  return BY_NAME.get(nameOrUrn);
}

/**
 * The interactions that serve `method path` (path relative to the base, case-sensitive, no trailing
 * slash; a query string is ignored). Usually one; PUT /Appointment/{id} has two (amend and cancel),
 * told apart only by Ssp-InteractionID (digest §0.6).
 */
export function interactionsFor(method: string, path: string): Interaction[] {
  const m = method.toUpperCase();
  const names = new Set<string>(
    operationsOnPath(path)
      .filter((op) => op.method === m)
      .map((op) => op.interaction),
  );
  return INTERACTIONS.filter((i) => names.has(i.name));
}
