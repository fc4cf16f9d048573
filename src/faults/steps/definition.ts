/**
 * What a fault step is. A rule is `when` + steps + limits (PRODUCT.md § Scenario files and fault
 * rules); each step type (`after`, `delay`, `error`, `drop`, `steal`, `emptyBundle`) has one
 * definition (its schema, its explain() phrase, the interactions it can act on, what it decides)
 * and one implementation (what it does to the request and its response), both in its own file
 * under steps/ and registered in steps/index.ts. Users still write the flat form: each step is the
 * rule's field of the same name (`"delay": {"fixed": 1500}`, `"steal": true`).
 */
import type * as Z from 'zod';
import type { SpineCode } from '../../fhir/operation-outcome.js';
import type { Operation } from '../../fhir/operations.js';
import type { FhirResource } from '../../fhir/resources.js';
import type { DropMode, FaultDelay, FaultError, FaultRule } from '../rule.js';
import type { ErrorAction, FaultAction } from './actions.js';

export type { ErrorAction, FaultAction } from './actions.js';

/** The value each step type holds in the flat rule (a flag step is `true`). */
export interface StepValues {
  after: true;
  delay: FaultDelay;
  error: FaultError;
  drop: DropMode;
  steal: true;
  emptyBundle: true;
}

export type StepType = keyof StepValues;

/** One step of a rule, read from its flat form. */
export type Step = { [K in StepType]: { type: K; value: StepValues[K] } }[StepType];

/** Each step type once decided for one request (a delay sampled, an error's texts filled in). */
export interface DecidedSteps {
  after: { type: 'after' };
  /** Milliseconds, sampled from the rule's delay. */
  delay: { type: 'delay'; ms: number };
  error: { type: 'error'; action: ErrorAction };
  drop: { type: 'drop'; action: { kind: 'drop'; mode: DropMode } };
  steal: { type: 'steal'; action: { kind: 'steal' } };
  emptyBundle: { type: 'emptyBundle'; action: { kind: 'empty-bundle' } };
}

export type DecidedStep = DecidedSteps[StepType];

export interface ExplainOptions {
  /**
   * The status a Spine code answers with under the active profile (profiles/statusFor). Without
   * it, an error with no explicit status is named by its code alone, since the profile decides.
   */
  statusOf?: (code: SpineCode) => number;
}

/**
 * When a step runs: `before` steps change how the request runs (after), `wait` steps hold it
 * (delay), and at most one `outcome` step decides the response (error, drop, steal, emptyBundle).
 * Steps run in this order whatever order the rule's fields are written in.
 */
export type StepPhase = 'before' | 'wait' | 'outcome';

/** The interactions (rows of fhir/operations.ts) a step can act on; absent on a step for any request. */
export interface StepScope {
  /** A plural phrase for messages: `answers searches` ("emptyBundle answers searches, which are GET requests"). */
  purpose: string;
  /** Whether the step can act on a request of this operation. */
  operation(op: Operation): boolean;
}

/** A zod error message that says "required" when the field is missing. */
export function expected(what: string) {
  return (iss: { input?: unknown }) => (iss.input === undefined ? 'required' : `expected ${what}`);
}

/**
 * A non-empty string field: "required" when missing, `expected ${typeWhat}` when not a string,
 * `expected ${what}` when empty.
 */
export function nonEmptyString(z: typeof Z, what: string, typeWhat = what) {
  return z.string({ error: expected(typeWhat) }).min(1, { error: `expected ${what}` });
}

export interface StepDefinition<K extends StepType> {
  /** The step type, also the rule's field that holds it in the flat form. */
  type: K;
  phase: StepPhase;
  /** An outcome step's FaultAction kind (`emptyBundle` decides `empty-bundle`). */
  actionKind?: Exclude<FaultAction['kind'], 'delay-only'>;
  /** What the step does, one line: its field's description in the admin OpenAPI document. */
  summary: string;
  /**
   * The zod schema of the field's value; a flag step's accepts `false`, which means "absent".
   * @internal zod types stay out of the published .d.ts.
   */
  schema(z: typeof Z): Z.ZodType;
  /** Absent: the step acts on any request, routed or not. */
  scope?: StepScope;
  /**
   * Why an outcome step cannot follow `after: true` (the request has already run); absent when it can.
   * E.g. `steal acts before the request runs`.
   */
  notAfter?: string;
  /** True for a step written as a flag: `"steal": true` in a rule, a bare `steal` in X-Sandbox-Fault. */
  flag?: true;
  /**
   * Whether the decided step holds the connection open a while (`drop: hang`, a long delay), so
   * counts against --max-held. Absent: it never does.
   */
  holds?(step: DecidedSteps[K]): boolean;
  /** Its phrase in explain(), e.g. `wait 1500 ms`, `422 DUPLICATE_REJECTED`. */
  explain(value: StepValues[K], options: ExplainOptions): string;
  /** The step for one request; `rule` names the rule in default texts, `rng` is the rule's generator. */
  decide(value: StepValues[K], context: { rule: FaultRule; rng: () => number }): DecidedSteps[K];
}

/** A response a step makes up instead of the request's own. */
export interface StepResponse {
  status: number;
  resource: FhirResource;
}

/**
 * What a request offers its fault steps; http/fault-run.ts provides it. `R` is its response type.
 * The steps decide what happens and in which order; the host only does the I/O.
 */
export interface FaultHost<R> {
  /** The rows of the operations table the request is (its method and route); empty when unrouted. */
  readonly operations: readonly Operation[];
  /** Run the request as it would run without a fault (it commits); its error propagates as unfaulted. */
  run(): Promise<R>;
  /** Run it before the fault's other steps (after: true); its error becomes its response. */
  runFirst(): Promise<R>;
  /** Hold the request `ms` milliseconds; throws (RequestCancelled) when its world was reset meanwhile. */
  wait(ms: number): Promise<void>;
  /** Throws (RequestCancelled) when the request's world was reset or imported since it was admitted. */
  checkCurrent(): void;
  /** Answer with no HTTP at all (apply.ts dropConnection); nothing is written afterwards. */
  drop(mode: DropMode): void;
  /** The status a Spine code answers with under the active profile. */
  statusOf(code: SpineCode): number;
  /** A simulated competing consumer books the request's first slot, if it is free (and persists it). */
  stealFirstSlot(): Promise<void>;
}

/** How a run of steps stands: the request's own response once a step (after) has run it. */
export interface StepRun<R> {
  result?: R;
}

/**
 * What a step does. `apply` returns the final response (or `'dropped'`) when the step decides it,
 * or undefined to go on with the next step; when no step decides, the request's own response is sent.
 */
export interface StepImplementation<K extends StepType> {
  apply<R>(
    step: DecidedSteps[K],
    host: FaultHost<R>,
    run: StepRun<R>,
  ): Promise<R | StepResponse | 'dropped' | undefined>;
}

/** One row of the step registry. */
export interface RegisteredStep<K extends StepType> {
  definition: StepDefinition<K>;
  implementation: StepImplementation<K>;
}
