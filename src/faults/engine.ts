/**
 * Fault selection: which rule, if any, applies to a request, and with what sampled delay. Pure
 * bookkeeping over rule data; http/ carries out the decision (apply.ts drops connections).
 * PRODUCT.md § Scenario files and fault rules.
 */
import type { SpineCode } from '../fhir/operation-outcome.js';
import { interactionKey } from '../fhir/operations.js';
import { explain } from './explain.js';
import { mulberry32, type Rng, ruleRng } from './random.js';
import type { FaultRule, FaultWhen, Scenario } from './rule.js';
import type { FaultAction } from './steps/actions.js';
import { decideSteps, decisionOf } from './steps/index.js';

export type FaultSource = 'admin' | 'scenario';

/** What a rule is matched against. */
export interface FaultRequest {
  method: string;
  /** Relative to the base path, e.g. /Appointment/12 (a query string is ignored). */
  path: string;
  /** The Ssp-InteractionID, usually the full URN. */
  interaction?: string | undefined;
  /** Lower-case names, as node gives them. */
  headers: Record<string, string | string[] | undefined>;
  patientId?: string | undefined;
  slotIds?: string[] | undefined;
  nhsNumber?: string | undefined;
}

export type { FaultAction } from './steps/actions.js';

export interface FaultDecision {
  /** The rule's name. */
  name: string;
  /** Sampled from the rule's delay; 0 without one. */
  delayMs: number;
  action: FaultAction;
  /** Run (and commit) the request first, then delay / replace its response. */
  after: boolean;
  explain: string;
}

export type ListedRule = FaultRule & { explain: string; remaining: number | null; source: FaultSource };

/**
 * A fault engine's whole state as plain JSON: its scenario, each armed rule with its counters and
 * its generator's state, and the one-off generator's. A shared store (Redis) carries it between
 * replicas, so `times`, `skip` and seeded `probability` hold across them.
 */
export interface FaultState {
  scenarioName: string | null;
  scenario?: Scenario;
  admin: ArmedState[];
  scenarioRules: ArmedState[];
  oneOff: number;
}

/** One armed rule in FaultState: `rng` is its generator's state (random.ts Rng.state). */
export interface ArmedState {
  rule: FaultRule;
  source: FaultSource;
  rng: number;
  matched: number;
  applied: number;
}

export interface FaultEngineOptions {
  /** Used when the active scenario has no randomSeed of its own. */
  randomSeed: number;
  /** The active profile's status for a Spine code (profiles/statusFor); used only in explain(). */
  statusOf?: (code: SpineCode) => number;
}

interface Armed {
  rule: FaultRule;
  source: FaultSource;
  rng: Rng;
  /** Requests that matched `when` while the rule was live. */
  matched: number;
  applied: number;
}

function headerValues(headers: FaultRequest['headers'], name: string): string[] {
  const value = headers[name.toLowerCase()];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function pathMatches(pattern: string, path: string): boolean {
  const want = pattern.split('/');
  const got = path.split(/[?#]/, 1)[0]!.split('/');
  return want.length === got.length && want.every((seg, i) => (seg === '*' ? got[i] !== '' : seg === got[i]));
}

/** Why `when` does not hold for the request, or null when it does (every condition must hold). */
export function whyNot(when: FaultWhen | undefined, req: FaultRequest): string | null {
  if (!when) return null;
  if (when.method !== undefined && when.method !== req.method.toUpperCase()) return `method is ${req.method}`;
  if (when.path !== undefined && !pathMatches(when.path, req.path))
    return `path ${req.path} is not ${when.path}`;
  if (when.interaction !== undefined) {
    if (!req.interaction) return 'no Ssp-InteractionID';
    if (interactionKey(req.interaction) !== interactionKey(when.interaction)) {
      return `interaction is ${req.interaction}`;
    }
  }
  if (when.patient !== undefined && req.patientId !== when.patient) {
    return req.patientId ? `patient is ${req.patientId}` : 'no patient';
  }
  if (when.nhsNumber !== undefined && req.nhsNumber?.replace(/\s+/g, '') !== when.nhsNumber) {
    return req.nhsNumber ? `NHS number is ${req.nhsNumber}` : 'no NHS number';
  }
  if (when.slot !== undefined && !req.slotIds?.includes(when.slot)) return `slot ${when.slot} not referenced`;
  for (const [name, value] of Object.entries(when.header ?? {})) {
    if (!headerValues(req.headers, name).includes(value)) return `header ${name} is not "${value}"`;
  }
  return null;
}

function decide(
  rule: FaultRule,
  rng: Rng,
  remaining: number | null,
  statusOf?: FaultEngineOptions['statusOf'],
) {
  // The steps decided in the order they run (a delay is sampled from the rule's generator), carried
  // in their flat view; http/ runs them again through the step registry (stepsOfDecision).
  const decision: FaultDecision = {
    name: rule.name,
    ...decisionOf(decideSteps(rule, rng)),
    explain: explain(rule, remaining, statusOf ? { statusOf } : {}),
  };
  return decision;
}

/**
 * The armed rules of one world (the default state or a session). Admin-armed rules are tried before
 * the scenario's, each in order; the first that matches and whose limits allow it applies.
 * `skip` lets the first N matches through, `times` caps applications, and `probability` draws
 * exactly once per matching request from the rule's own generator, so a client that sends the
 * same requests in the same order meets the same faults on every run.
 */
export class FaultEngine {
  readonly #baseSeed: number;
  readonly #statusOf: FaultEngineOptions['statusOf'];
  #scenarioName: string | null = null;
  #scenario: Scenario | undefined;
  #admin: Armed[] = [];
  #scenarioRules: Armed[] = [];
  #oneOffRng: Rng;
  #revision = 0;

  constructor(options: FaultEngineOptions) {
    this.#baseSeed = options.randomSeed;
    this.#statusOf = options.statusOf;
    this.#oneOffRng = ruleRng(this.randomSeed, 'X-Sandbox-Fault');
  }

  /** The scenario's randomSeed, else the engine's. */
  get randomSeed(): number {
    return this.#scenario?.randomSeed ?? this.#baseSeed;
  }

  get scenarioName(): string | null {
    return this.#scenarioName;
  }

  get scenario(): Scenario | undefined {
    return this.#scenario;
  }

  /** Bumped by every change (arming, a match counted, a draw taken): a store writes the state when it moved. */
  get revision(): number {
    return this.#revision;
  }

  /** The whole state as JSON-safe data (FaultState). */
  exportState(): FaultState {
    const armed = (a: Armed): ArmedState => ({
      rule: a.rule,
      source: a.source,
      rng: a.rng.state,
      matched: a.matched,
      applied: a.applied,
    });
    return {
      scenarioName: this.#scenarioName,
      ...(this.#scenario ? { scenario: this.#scenario } : {}),
      admin: this.#admin.map(armed),
      scenarioRules: this.#scenarioRules.map(armed),
      oneOff: this.#oneOffRng.state,
    };
  }

  /** Take over a state exportState() gave (another replica's); the revision moves on. */
  importState(state: FaultState): void {
    const armed = (a: ArmedState): Armed => ({
      rule: a.rule,
      source: a.source,
      rng: mulberry32(a.rng),
      matched: a.matched,
      applied: a.applied,
    });
    this.#scenarioName = state.scenarioName;
    this.#scenario = state.scenario;
    this.#admin = state.admin.map(armed);
    this.#scenarioRules = state.scenarioRules.map(armed);
    this.#oneOffRng = mulberry32(state.oneOff);
    this.#revision++;
  }

  #arm(rule: FaultRule, source: FaultSource): Armed {
    return { rule, source, rng: ruleRng(this.randomSeed, rule.name), matched: 0, applied: 0 };
  }

  /**
   * Switch the active scenario (null: none). Its rules start fresh; admin-armed rules stay, and
   * shadow a scenario rule of the same name.
   */
  setScenario(name: string | null, scenario?: Scenario): void {
    this.#revision++;
    this.#scenarioName = name;
    this.#scenario = name === null ? undefined : scenario;
    this.#loadScenarioRules();
  }

  #loadScenarioRules(): void {
    const adminNames = new Set(this.#admin.map((a) => a.rule.name));
    this.#scenarioRules = (this.#scenario?.rules ?? [])
      .filter((r) => !adminNames.has(r.name))
      .map((r) => this.#arm(r, 'scenario'));
  }

  /** Arm a validated rule (parseRule). An admin rule of the same name is replaced in place. */
  arm(rule: FaultRule): void {
    this.#revision++;
    const armed = this.#arm(rule, 'admin');
    const at = this.#admin.findIndex((a) => a.rule.name === rule.name);
    if (at >= 0) this.#admin[at] = armed;
    else this.#admin.push(armed);
    this.#scenarioRules = this.#scenarioRules.filter((a) => a.rule.name !== rule.name);
  }

  /** Remove a rule, admin-armed or the scenario's (until reset). */
  disarm(name: string): boolean {
    this.#revision++;
    const before = this.#admin.length + this.#scenarioRules.length;
    this.#admin = this.#admin.filter((a) => a.rule.name !== name);
    this.#scenarioRules = this.#scenarioRules.filter((a) => a.rule.name !== name);
    return this.#admin.length + this.#scenarioRules.length < before;
  }

  /** Remove every rule, the scenario's included (until reset). */
  disarmAll(): void {
    this.#revision++;
    this.#admin = [];
    this.#scenarioRules = [];
  }

  /** Back to the active scenario's rules with fresh counters and generators; admin rules go. */
  reset(): void {
    this.#revision++;
    this.#admin = [];
    this.#oneOffRng = ruleRng(this.randomSeed, 'X-Sandbox-Fault');
    this.#loadScenarioRules();
  }

  /** A fresh engine for a new session: the same scenario (and seed), fresh state, no admin rules. */
  clone(): FaultEngine {
    const copy = new FaultEngine({
      randomSeed: this.#baseSeed,
      ...(this.#statusOf ? { statusOf: this.#statusOf } : {}),
    });
    copy.setScenario(this.#scenarioName, this.#scenario);
    return copy;
  }

  #live(): Armed[] {
    return [...this.#admin, ...this.#scenarioRules].filter(
      (a) => a.rule.times === undefined || a.applied < a.rule.times,
    );
  }

  #remaining(a: Armed): number | null {
    return a.rule.times === undefined ? null : a.rule.times - a.applied;
  }

  /** Live rules in the order they are tried; exhausted ones are left out. */
  list(): ListedRule[] {
    return this.#live().map((a) => ({
      ...a.rule,
      explain: explain(a.rule, this.#remaining(a), this.#statusOptions()),
      remaining: this.#remaining(a),
      source: a.source,
    }));
  }

  #statusOptions() {
    return this.#statusOf ? { statusOf: this.#statusOf } : {};
  }

  select(req: FaultRequest): FaultDecision | undefined {
    for (const a of this.#live()) {
      if (whyNot(a.rule.when, req) !== null) continue;
      this.#revision++;
      a.matched += 1;
      const draw = a.rng();
      if (a.matched <= (a.rule.skip ?? 0)) continue;
      if (draw >= (a.rule.probability ?? 1)) continue;
      a.applied += 1;
      return decide(a.rule, a.rng, this.#remaining(a), this.#statusOf);
    }
    return undefined;
  }

  /**
   * A one-off rule (X-Sandbox-Fault, a magic patient): applies if `when` holds and its probability
   * draw (from this engine's own one-off generator) allows. `times` and `skip` do not apply.
   */
  oneOff(rule: FaultRule, req: FaultRequest): FaultDecision | undefined {
    if (whyNot(rule.when, req) === null) this.#revision++;
    return FaultEngine.#decideOnce(rule, req, this.#oneOffRng, this.#statusOf);
  }

  /**
   * Like oneOff() without an engine: the generator is seeded from randomSeed and the rule's name on
   * each call, so the same rule meets the same draw (and the same delay) every time.
   */
  static once(rule: FaultRule, randomSeed: number, req: FaultRequest): FaultDecision | undefined {
    return FaultEngine.#decideOnce(rule, req, ruleRng(randomSeed, rule.name), undefined);
  }

  static #decideOnce(
    rule: FaultRule,
    req: FaultRequest,
    rng: Rng,
    statusOf: FaultEngineOptions['statusOf'],
  ): FaultDecision | undefined {
    if (whyNot(rule.when, req) !== null) return undefined;
    const draw = rng();
    if (draw >= (rule.probability ?? 1)) return undefined;
    return decide(rule, rng, null, statusOf);
  }
}
