/**
 * A fault rule is plain, serializable data (PRODUCT.md § Scenario files and fault rules): `when` +
 * steps + limits. Each step (`delay`, `error`, `drop`, `steal`, `emptyBundle`, `after`) is written
 * as the rule's field of its name and defined once in steps/ (its schema, explain phrase, scope and
 * implementation); engine.ts selects rules. This file is the rule's schema (`when`, the steps' own
 * schemas, the limits), the types and the one-line messages that refuse a bad rule or scenario file.
 */
import { createRequire } from 'node:module';
import type * as Z from 'zod';
import { forbiddenKeyMessage, forbiddenKeyPath } from '../domain/map-keys.js';
import type { SpineCode } from '../fhir/operation-outcome.js';
import type { SspStatus } from './ssp-errors.js';
import type { DropMode } from './steps/actions.js';
import { expected, nonEmptyString } from './steps/definition.js';
import { STEP_TYPES, STEPS, stepProblems } from './steps/index.js';

export { DROP_MODES, type DropMode, MAX_DELAY_MS } from './steps/actions.js';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;

export interface FaultWhen {
  /** Upper case after parsing. */
  method?: string;
  /** Under the base path; `*` matches exactly one segment. */
  path?: string;
  /** The Ssp-InteractionID: full URN, `rest:create:appointment-1` or `create:appointment-1`. */
  interaction?: string;
  /** Ten digits, the NHS number of the patient the request concerns. */
  nhsNumber?: string;
  /** Logical id of the patient the request references. */
  patient?: string;
  /** Logical id of a slot the request references. */
  slot?: string;
  /** Header name (case-insensitive) to exact value. */
  header?: Record<string, string>;
}

export type FaultDelay =
  | { fixed: number }
  | { uniform: [number, number] }
  | { lognormal: { median: number; p99: number; max?: number } };

/** A provider error from the Spine catalogue, rendered as a GPConnect-OperationOutcome-1. */
export interface SpineFaultError {
  ssp?: false;
  /** Defaults to the code's status (as the active profile maps it). */
  status?: number;
  code: SpineCode;
  display?: string;
  diagnostics?: string;
}

/** An error raised by the Spine Secure Proxy itself (ssp-errors.ts): its own OperationOutcome shape. */
export interface SspFaultError {
  ssp: true;
  status: SspStatus;
  display?: string;
  diagnostics?: string;
}

export type FaultError = SpineFaultError | SspFaultError;

export interface FaultRule {
  name: string;
  when?: FaultWhen;
  delay?: FaultDelay;
  error?: FaultError;
  drop?: DropMode;
  /** A simulated competing consumer books the request's first slot just before it runs. */
  steal?: boolean;
  /** A search answers 200 with an empty searchset Bundle (e.g. a practice offering no slots). */
  emptyBundle?: boolean;
  /** The request runs and commits; then the delay / error / drop replaces its response. */
  after?: boolean;
  times?: number;
  skip?: number;
  probability?: number;
}

export interface Scenario {
  description: string;
  randomSeed?: number;
  rules: FaultRule[];
}

export interface RuleProblem {
  /** Dotted path inside the rule, e.g. `delay.uniform`; empty for the rule as a whole. */
  field: string;
  message: string;
}

/** Tell the two apart with `'problems' in result`. */
export type ParseRuleResult =
  | { rule: FaultRule }
  | { problems: RuleProblem[] /** One line naming where, the rule and the field. */; message: string };

export interface ScenarioProblem extends RuleProblem {
  /** `rules[1] "slow"`; absent for the file's own fields. */
  rule?: string;
}

/** Tell the two apart with `'problems' in result`. */
export type ParseScenarioResult = { scenario: Scenario } | { problems: ScenarioProblem[]; message: string };

/** Built on first use: zod costs start-up time, and most runs never parse a rule. */
function buildRuleSchema(z: typeof Z) {
  const PATH_MESSAGE = 'expected a path like /Appointment or /Appointment/* (`*` is one whole segment)';

  const whenSchema = z.strictObject({
    method: z
      .string({ error: expected('an HTTP method') })
      .transform((m) => m.toUpperCase())
      .refine((m) => (HTTP_METHODS as readonly string[]).includes(m), {
        error: `expected one of ${HTTP_METHODS.join(', ')}`,
      })
      .optional(),
    path: z
      .string({ error: expected('a path') })
      .refine(
        (p) =>
          p === '/' ||
          (/^(\/[^/?#\s]+)+$/.test(p) && p.split('/').every((s) => s === '*' || !s.includes('*'))),
        { error: PATH_MESSAGE },
      )
      .optional(),
    interaction: z
      .string({ error: expected('an interaction id') })
      .regex(/^[A-Za-z0-9:._-]+$/, {
        error: 'expected an interaction id such as "rest:create:appointment-1"',
      })
      .optional(),
    nhsNumber: z
      .string({ error: expected('a 10-digit NHS number (a string)') })
      .transform((n) => n.replace(/\s+/g, ''))
      .refine((n) => /^\d{10}$/.test(n), { error: 'expected a 10-digit NHS number' })
      .optional(),
    patient: nonEmptyString(z, 'a patient logical id').optional(),
    slot: nonEmptyString(z, 'a slot logical id').optional(),
    header: z
      .record(
        z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: 'expected an HTTP header name' }),
        z.string({ error: expected('the exact header value (a string)') }),
        { error: expected('an object of header name to exact value') },
      )
      .optional(),
  });

  const RULE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

  return z
    .strictObject({
      name: z.string({ error: expected('a name (a string)') }).regex(RULE_NAME, {
        error: 'expected 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
      }),
      when: whenSchema.optional(),
      ...stepFields(z),
      times: z
        .number({ error: expected('a whole number, 0 or more') })
        .int({ error: 'expected a whole number, 0 or more' })
        .min(0, { error: 'expected a whole number, 0 or more' })
        .optional(),
      skip: z
        .number({ error: expected('a whole number, 0 or more') })
        .int({ error: 'expected a whole number, 0 or more' })
        .min(0, { error: 'expected a whole number, 0 or more' })
        .optional(),
      probability: z
        .number({ error: expected('a number from 0 to 1') })
        .min(0, { error: 'expected a number from 0 to 1' })
        .max(1, { error: 'expected a number from 0 to 1' })
        .optional(),
    })
    .superRefine((rule, ctx) => {
      for (const p of stepProblems(rule)) {
        ctx.addIssue({ code: 'custom', path: p.field === '' ? [] : p.field.split('.'), message: p.message });
      }
    });
}

/** Each step's field, with its definition's schema, optional, in registry order. */
function stepFields(z: typeof Z) {
  const fields: Partial<Record<(typeof STEP_TYPES)[number], Z.ZodOptional<Z.ZodType>>> = {};
  for (const type of STEP_TYPES) {
    const { schema, summary } = STEPS[type].definition;
    // The step's one line, for the admin API's OpenAPI document.
    fields[type] = schema(z)
      .meta({ description: `step: ${summary}` })
      .optional();
  }
  return fields as Record<(typeof STEP_TYPES)[number], Z.ZodOptional<Z.ZodType>>;
}

let ruleSchema: ReturnType<typeof buildRuleSchema> | undefined;
/**
 * The zod schema of a fault rule, built on first use (for GET /_admin/openapi.json).
 * @internal zod types stay out of the published .d.ts (tsconfig.build.json stripInternal).
 */
export function faultRuleSchema(): ReturnType<typeof buildRuleSchema> {
  ruleSchema ??= buildRuleSchema(createRequire(import.meta.url)('zod') as typeof Z);
  return ruleSchema;
}

/** For "unknown field" messages: the fields each object accepts. */
const KNOWN_KEYS: Record<string, string[]> = {
  '': ['name', 'when', ...STEP_TYPES, 'times', 'skip', 'probability'],
  when: ['method', 'path', 'interaction', 'nhsNumber', 'patient', 'slot', 'header'],
  delay: ['fixed', 'uniform', 'lognormal'],
  'delay.lognormal': ['median', 'p99', 'max'],
  error: ['status', 'code', 'display', 'diagnostics', 'ssp'],
};

function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

interface ZodIssueLike {
  code: string;
  path: readonly PropertyKey[];
  message: string;
  keys?: string[];
  expected?: string;
}

function toProblems(
  issues: readonly ZodIssueLike[],
  known: Record<string, string[]> = KNOWN_KEYS,
): RuleProblem[] {
  const problems: RuleProblem[] = [];
  for (const iss of issues) {
    const field = fieldPath(iss.path);
    if (iss.code === 'unrecognized_keys' && iss.keys) {
      const keys = known[field] ?? [];
      for (const key of iss.keys) {
        problems.push({
          field: field ? `${field}.${key}` : key,
          message: `unknown field${keys.length ? `; expected one of ${keys.join(', ')}` : ''}`,
        });
      }
    } else if (
      iss.code === 'invalid_type' &&
      iss.expected === 'object' &&
      !/^(expected|required)/.test(iss.message)
    ) {
      problems.push({ field, message: 'expected an object' });
    } else {
      problems.push({ field, message: iss.message });
    }
  }
  return problems;
}

/** One line: `where "name": field: message; field: message`. */
export function formatProblems(where: string, problems: readonly RuleProblem[], ruleName?: string): string {
  const head = ruleName !== undefined ? `${where} "${ruleName}"` : where;
  return `${head}: ${problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; ')}`;
}

function nameOf(json: unknown): string | undefined {
  if (json && typeof json === 'object' && !Array.isArray(json)) {
    const name = (json as { name?: unknown }).name;
    if (typeof name === 'string' && name !== '') return name;
  }
  return undefined;
}

/** Validate the rule's structure; problems carry fields relative to the rule. */
function validateRule(json: unknown): { rule: FaultRule } | { problems: RuleProblem[] } {
  // A zod record drops a "__proto__" entry silently: a condition would vanish and match everything.
  const forbidden = forbiddenKeyPath(json);
  if (forbidden !== undefined)
    return { problems: [{ field: forbidden, message: forbiddenKeyMessage(forbidden) }] };
  const result = faultRuleSchema().safeParse(json);
  if (result.success) return { rule: stripFalse(result.data as FaultRule) };
  return { problems: toProblems(result.error.issues as readonly ZodIssueLike[]) };
}

/** `steal: false` and friends mean "absent"; drop them so the stored rule reads as written intent. */
function stripFalse(rule: FaultRule): FaultRule {
  const out = { ...rule };
  if (out.steal === false) delete out.steal;
  if (out.emptyBundle === false) delete out.emptyBundle;
  if (out.after === false) delete out.after;
  if (out.error && out.error.ssp === false) {
    const { ssp: _ssp, ...rest } = out.error;
    out.error = rest as SpineFaultError;
  }
  return out;
}

/**
 * Validate a rule (an admin POST body, a scenario entry). `where` labels the message, e.g.
 * `scenarios/x.json: rules[1]` or `rule` (the default).
 */
export function parseRule(json: unknown, where = 'rule'): ParseRuleResult {
  const result = validateRule(json);
  if ('rule' in result) return { rule: result.rule };
  return { problems: result.problems, message: formatProblems(where, result.problems, nameOf(json)) };
}

function buildScenarioSchema(z: typeof Z) {
  return z.strictObject({
    $schema: z.string().optional(),
    description: nonEmptyString(z, 'a one-line description', 'a one-line description (a string)'),
    randomSeed: z
      .number({ error: expected('a whole number') })
      .int({ error: 'expected a whole number' })
      .optional(),
    rules: z.array(z.unknown(), { error: expected('an array of rules') }),
  });
}
let scenarioSchema: ReturnType<typeof buildScenarioSchema> | undefined;

const SCENARIO_KEYS = { '': ['$schema', 'description', 'randomSeed', 'rules'] };

function scenarioLine(file: string, p: ScenarioProblem): string {
  return [file, p.rule, p.field, p.message].filter((s) => s !== undefined && s !== '').join(': ');
}

/**
 * Validate a scenario file's content. `fileLabel` names the file in the message
 * (`scenarios/x.json: rules[1] "slow": delay.uniform: expected [min, max] with min <= max`).
 */
export function parseScenario(fileLabel: string, json: unknown): ParseScenarioResult {
  const problems: ScenarioProblem[] = [];
  scenarioSchema ??= buildScenarioSchema(createRequire(import.meta.url)('zod') as typeof Z);
  const forbidden = forbiddenKeyPath(json);
  if (forbidden !== undefined) {
    problems.push({ field: forbidden, message: forbiddenKeyMessage(forbidden) });
    return { problems, message: problems.map((p) => scenarioLine(fileLabel, p)).join('; ') };
  }
  const top = scenarioSchema.safeParse(json);
  if (!top.success) {
    problems.push(...toProblems(top.error.issues as readonly ZodIssueLike[], SCENARIO_KEYS));
    return { problems, message: problems.map((p) => scenarioLine(fileLabel, p)).join('; ') };
  }
  const rules: FaultRule[] = [];
  const seen = new Map<string, number>();
  top.data.rules.forEach((raw, i) => {
    const name = nameOf(raw);
    const label = name !== undefined ? `rules[${i}] "${name}"` : `rules[${i}]`;
    const r = validateRule(raw);
    if ('problems' in r) {
      for (const p of r.problems) problems.push({ rule: label, ...p });
      return;
    }
    const first = seen.get(r.rule.name);
    if (first !== undefined) {
      problems.push({
        rule: label,
        field: 'name',
        message: `duplicate name (rules[${first}] has it too); names must be unique`,
      });
      return;
    }
    seen.set(r.rule.name, i);
    rules.push(r.rule);
  });
  if (problems.length > 0) {
    return { problems, message: problems.map((p) => scenarioLine(fileLabel, p)).join('; ') };
  }
  const scenario: Scenario = { description: top.data.description, rules };
  if (top.data.randomSeed !== undefined) scenario.randomSeed = top.data.randomSeed;
  return { scenario };
}

/** For `gpc-sandbox validate`: a scenario file has `rules`; a seed file does not. */
export function looksLikeScenario(json: unknown): boolean {
  return !!json && typeof json === 'object' && Array.isArray((json as { rules?: unknown }).rules);
}
