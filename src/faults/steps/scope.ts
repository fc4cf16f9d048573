/**
 * Which interactions a rule's `when` can match, from the operations table (fhir/operations.ts), so
 * a step that cannot act on any of them (an `emptyBundle` on `POST /Appointment`) is refused when
 * the rule is armed rather than answering something no such interaction ever answers.
 */
import { interactionKey, OPERATIONS, type Operation } from '../../fhir/operations.js';
import type { FaultWhen, RuleProblem } from '../rule.js';
import type { StepScope, StepType } from './definition.js';

/** Whether a `when.path` pattern (`*` one segment) and a table path (`{id}` one segment) can meet. */
function pathsMeet(pattern: string, template: string): boolean {
  const want = pattern.split('/');
  const row = template.split('/');
  return (
    want.length === row.length &&
    want.every((seg, i) => seg === row[i] || (seg !== '' && (seg === '*' || row[i]!.startsWith('{'))))
  );
}

function describe(ops: readonly Operation[]): string {
  const byRoute = new Map<string, string[]>();
  for (const op of ops) {
    const route = `${op.method} ${op.path}`;
    byRoute.set(route, [...(byRoute.get(route) ?? []), op.summary]);
  }
  return [...byRoute].map(([route, summaries]) => `${route} (${summaries.join(' or ')})`).join(' or ');
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/**
 * Why a step of `type` cannot act on any interaction `when` matches, as a problem naming the
 * condition that rules it out (`when.method`, `when.path`, `when.interaction`, or `when` for their
 * combination); undefined when some interaction fits.
 */
export function scopeProblem(
  type: StepType,
  scope: StepScope,
  when: FaultWhen | undefined,
): RuleProblem | undefined {
  if (!when) return undefined;
  const fits = OPERATIONS.filter((op) => scope.operation(op));
  const head = `${type} ${scope.purpose}`;
  const { method, path, interaction } = when;
  if (method !== undefined && !fits.some((op) => op.method === method)) {
    const methods = unique(fits.map((op) => op.method));
    return { field: 'when.method', message: `${head}, which are ${methods.join(' or ')} requests` };
  }
  if (path !== undefined && !fits.some((op) => pathsMeet(path, op.path))) {
    const onPath = OPERATIONS.filter((op) => pathsMeet(path, op.path));
    return {
      field: 'when.path',
      message: onPath.length
        ? `${head}; ${path} is ${describe(onPath)}`
        : `${head}; no interaction of this provider has the path ${path}`,
    };
  }
  if (interaction !== undefined) {
    const key = interactionKey(interaction);
    if (!fits.some((op) => interactionKey(op.interaction) === key)) {
      return {
        field: 'when.interaction',
        message: `${head} (${unique(fits.map((op) => op.interaction)).join(', ')}); ${interaction} is not one`,
      };
    }
  }
  const given = (['method', 'path', 'interaction'] as const).filter((k) => when[k] !== undefined);
  const matched = OPERATIONS.filter(
    (op) =>
      (method === undefined || op.method === method) &&
      (path === undefined || pathsMeet(path, op.path)) &&
      (interaction === undefined || interactionKey(op.interaction) === interactionKey(interaction)),
  );
  if (given.length > 1 && !matched.some((op) => scope.operation(op))) {
    return {
      field: 'when',
      message: matched.length
        ? `${head}; when's ${given.join(' and ')} match only ${describe(matched)}`
        : `${head}; no interaction of this provider has when's ${given.join(' and ')} together`,
    };
  }
  return undefined;
}

/** The rows of the operations table a routed request is: its method and route template. */
export function operationsOf(method: string, template: string | undefined): Operation[] {
  if (template === undefined) return [];
  const upper = method.toUpperCase();
  return OPERATIONS.filter((op) => op.method === upper && op.path === template);
}

/** Why a step of `type` cannot act on a request of these operations; undefined when it can. */
export function requestScopeProblem(
  type: StepType,
  scope: StepScope,
  operations: readonly Operation[],
  request: { method: string; path: string },
): RuleProblem | undefined {
  if (operations.some((op) => scope.operation(op))) return undefined;
  const what = operations.length ? describe(operations) : `${request.method} ${request.path}`;
  return { field: type, message: `${type} ${scope.purpose}; this request is ${what}, not one` };
}
