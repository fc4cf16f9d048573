/**
 * The step registry: every fault step type, its definition and its implementation, in the order
 * the flat rule's fields are written. Everything that reads a rule's steps (the schema in rule.ts,
 * explain.ts, the engine's decisions, the X-Sandbox-Fault check and http/fault-run.ts) goes
 * through this table, so a new step type is one file here and one row below.
 */
import type { Operation } from '../../fhir/operations.js';
import type { FaultRule, FaultWhen, RuleProblem } from '../rule.js';
import * as after from './after.js';
import type {
  DecidedStep,
  ExplainOptions,
  FaultAction,
  FaultHost,
  RegisteredStep,
  Step,
  StepDefinition,
  StepImplementation,
  StepPhase,
  StepResponse,
  StepRun,
  StepType,
} from './definition.js';
import * as delay from './delay.js';
import * as drop from './drop.js';
import * as emptyBundle from './empty-bundle.js';
import * as error from './error.js';
import { requestScopeProblem, scopeProblem } from './scope.js';
import * as steal from './steal.js';

/** Every step type, in the order the flat rule's fields are written. */
export const STEPS: { readonly [K in StepType]: RegisteredStep<K> } = {
  delay,
  error,
  drop,
  steal,
  emptyBundle,
  after,
};

/** The step types in registry order. */
export const STEP_TYPES = Object.keys(STEPS) as StepType[];

/** The definition of a step type, typed loosely enough to call with a step of any type. */
function definitionOf(type: StepType): StepDefinition<StepType> {
  return STEPS[type].definition as unknown as StepDefinition<StepType>;
}

function implementationOf(type: StepType): StepImplementation<StepType> {
  return STEPS[type].implementation as unknown as StepImplementation<StepType>;
}

const PHASES: readonly StepPhase[] = ['before', 'wait', 'outcome'];

/** The step types of one phase, in registry order. */
export function stepTypesIn(phase: StepPhase): StepType[] {
  return STEP_TYPES.filter((t) => STEPS[t].definition.phase === phase);
}

/** The steps a flat rule holds, in the order they run (before, wait, outcome); a `false` flag is absent. */
export function stepsOf(rule: Partial<Record<StepType, unknown>>): Step[] {
  const steps: Step[] = [];
  for (const phase of PHASES) {
    for (const type of stepTypesIn(phase)) {
      const value = rule[type];
      if (value !== undefined && value !== false) steps.push({ type, value } as Step);
    }
  }
  return steps;
}

/** The explain() phrase of each of the rule's steps, in the order they run. */
export function explainSteps(rule: FaultRule, options: ExplainOptions): string[] {
  return stepsOf(rule).map((step) => definitionOf(step.type).explain(step.value as never, options));
}

/** The rule's steps decided for one request (delays sampled from `rng`), in the order they run. */
export function decideSteps(rule: FaultRule, rng: () => number): DecidedStep[] {
  return stepsOf(rule).map((step) => definitionOf(step.type).decide(step.value as never, { rule, rng }));
}

/** The flat view of decided steps that a FaultDecision carries (and the journal shows). */
export interface DecisionView {
  /** 0 without a delay step. */
  delayMs: number;
  /** The outcome step's action; `delay-only` without one. */
  action: FaultAction;
  after: boolean;
}

/** Decided steps to their flat view. */
export function decisionOf(steps: readonly DecidedStep[]): DecisionView {
  const view: DecisionView = { delayMs: 0, action: { kind: 'delay-only' }, after: false };
  for (const step of steps) {
    if (step.type === 'after') view.after = true;
    else if (step.type === 'delay') view.delayMs += step.ms;
    else view.action = step.action;
  }
  return view;
}

/** The decided steps a flat view stands for, in the order they run (the inverse of decisionOf). */
export function stepsOfDecision(view: DecisionView): DecidedStep[] {
  const steps: DecidedStep[] = [];
  if (view.after) steps.push({ type: 'after' });
  if (view.delayMs > 0) steps.push({ type: 'delay', ms: view.delayMs });
  const outcome = stepTypesIn('outcome').find((t) => STEPS[t].definition.actionKind === view.action.kind);
  if (outcome !== undefined) steps.push({ type: outcome, action: view.action } as DecidedStep);
  return steps;
}

/**
 * Problems of a flat rule's combination of steps and of their scope, with fields relative to the
 * rule (the schema checks each field's own value): at most one outcome step, something to do, what
 * `after` goes with, and each scoped step able to act on some interaction `when` matches.
 */
export function stepProblems(rule: Partial<Record<StepType, unknown>> & { when?: FaultWhen }): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const present = stepsOf(rule).map((s) => s.type);
  const outcomes = stepTypesIn('outcome');
  const waits = stepTypesIn('wait');
  const found = outcomes.filter((t) => present.includes(t));
  if (found.length > 1) {
    problems.push({
      field: found[1]!,
      message: `give only one of ${outcomes.join(', ')} (found ${found.join(' and ')})`,
    });
  }
  const doers = [...outcomes, ...waits];
  if (!present.some((t) => doers.includes(t))) {
    problems.push({ field: '', message: `a rule needs something to do: ${orList(doers)}` });
  }
  for (const type of stepTypesIn('before')) {
    if (!present.includes(type)) continue;
    const replacers = doers.filter((t) => definitionOf(t).notAfter === undefined);
    const refused = present.find((t) => definitionOf(t).notAfter !== undefined);
    if (refused !== undefined) {
      problems.push({
        field: type,
        message: `only goes with ${orList(replacers)} (${definitionOf(refused).notAfter})`,
      });
    } else if (!present.some((t) => replacers.includes(t))) {
      problems.push({ field: type, message: `needs an ${orList(replacers)} to replace the response` });
    }
  }
  for (const type of present) {
    const { scope } = definitionOf(type);
    const problem = scope && scopeProblem(type, scope, rule.when);
    if (problem) problems.push(problem);
  }
  return problems;
}

function orList(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/**
 * Problems of a one-off rule (X-Sandbox-Fault) with the request that carries it: each scoped step
 * must be able to act on the request's interaction, e.g. `emptyBundle` on a search only.
 */
export function requestProblems(
  rule: FaultRule,
  operations: readonly Operation[],
  request: { method: string; path: string },
): RuleProblem[] {
  const problems: RuleProblem[] = [];
  for (const step of stepsOf(rule)) {
    const { scope } = definitionOf(step.type);
    const problem = scope && requestScopeProblem(step.type, scope, operations, request);
    if (problem) problems.push(problem);
  }
  return problems;
}

/** Whether any decided step holds the connection open (counts against --max-held). */
export function holdsConnection(steps: readonly DecidedStep[]): boolean {
  return steps.some((step) => definitionOf(step.type).holds?.(step) === true);
}

/** The step types written as flags (`"steal": true`, a bare `steal` in X-Sandbox-Fault). */
export const FLAG_STEP_TYPES: readonly StepType[] = STEP_TYPES.filter((t) => STEPS[t].definition.flag);

/**
 * Carry out decided steps on one request, in order, through the host's I/O. A scoped step that
 * cannot act on the request's interaction (a rule with no `when` meeting a booking with
 * `emptyBundle`) is passed over. Without an outcome step the request's own response is sent.
 */
export async function runSteps<R>(
  steps: readonly DecidedStep[],
  host: FaultHost<R>,
): Promise<R | StepResponse | 'dropped'> {
  const run: StepRun<R> = {};
  for (const step of steps) {
    const { scope, phase } = definitionOf(step.type);
    if (scope && !host.operations.some((op) => scope.operation(op))) continue;
    if (phase === 'outcome') host.checkCurrent();
    const answer = await implementationOf(step.type).apply(step, host, run);
    if (answer !== undefined) return answer;
  }
  host.checkCurrent();
  return run.result ?? host.run();
}

export type {
  DecidedStep,
  ErrorAction,
  ExplainOptions,
  FaultAction,
  FaultHost,
  Step,
  StepResponse,
  StepType,
} from './definition.js';
