/**
 * A fault rule is plain, serializable data (PRODUCT.md § Scenario files and fault rules); what it does
 * lives in engine.ts (selection) and apply.ts (dropping connections). This file is the schema, the
 * types and the one-line messages that refuse a bad rule or scenario file.
 */
import { createRequire } from 'node:module';
import type * as Z from 'zod';
import { forbiddenKeyMessage, forbiddenKeyPath } from '../domain/map-keys.js';
import { isSpineCode, SPINE_ERRORS, type SpineCode } from '../fhir/operation-outcome.js';
import { isSspStatus, SSP_STATUSES, type SspStatus } from './ssp-errors.js';

export const DROP_MODES = ['reset', 'hang', 'empty', 'garbage'] as const;
export type DropMode = (typeof DROP_MODES)[number];

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;

/** Longer than any client timeout worth testing; `drop: "hang"` is the way to never answer. */
export const MAX_DELAY_MS = 600_000;

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

const ACTIONS = ['error', 'drop', 'steal', 'emptyBundle'] as const;

/** A zod error message that says "required" when the field is missing. */
function expected(what: string) {
  return (iss: { input?: unknown }) => (iss.input === undefined ? 'required' : `expected ${what}`);
}

/** Built on first use: zod costs start-up time, and most runs never parse a rule. */
function buildRuleSchema(z: typeof Z) {
  const msSchema = z
    .number({ error: expected('a number of milliseconds') })
    .int({ error: 'expected a whole number of milliseconds' })
    .min(0, { error: 'expected 0 ms or more' })
    .max(MAX_DELAY_MS, { error: `at most ${MAX_DELAY_MS} ms; use drop: "hang" to never answer` });

  const UNIFORM_MESSAGE = 'expected [min, max] with min <= max';

  const uniformSchema = z
    .unknown()
    .superRefine((value, ctx) => {
      const ok =
        Array.isArray(value) &&
        value.length === 2 &&
        value.every((v) => msSchema.safeParse(v).success) &&
        (value[0] as number) <= (value[1] as number);
      if (!ok) ctx.addIssue({ code: 'custom', message: UNIFORM_MESSAGE });
    })
    // What the check above accepts, for the admin API's OpenAPI document.
    .meta({
      type: 'array',
      items: { type: 'integer', minimum: 0, maximum: MAX_DELAY_MS },
      minItems: 2,
      maxItems: 2,
      description: '[min, max] in milliseconds, min <= max',
    });

  const lognormalSchema = z
    .strictObject({ median: msSchema, p99: msSchema, max: msSchema.optional() })
    .superRefine((v, ctx) => {
      if (v.median <= 0)
        ctx.addIssue({ code: 'custom', path: ['median'], message: 'expected more than 0 ms' });
      if (v.p99 < v.median)
        ctx.addIssue({ code: 'custom', path: ['p99'], message: 'must be at least median' });
      if (v.max !== undefined && v.max < v.p99) {
        ctx.addIssue({ code: 'custom', path: ['max'], message: 'must be at least p99' });
      }
    });

  const delaySchema = z
    .strictObject({
      fixed: msSchema.optional(),
      uniform: uniformSchema.optional(),
      lognormal: lognormalSchema.optional(),
    })
    .superRefine((v, ctx) => {
      const kinds = (['fixed', 'uniform', 'lognormal'] as const).filter((k) => v[k] !== undefined);
      if (kinds.length !== 1) {
        ctx.addIssue({
          code: 'custom',
          message:
            kinds.length === 0
              ? 'expected one of {"fixed": ms}, {"uniform": [min, max]}, {"lognormal": {median, p99, max}}'
              : `give only one of fixed, uniform, lognormal (found ${kinds.join(', ')})`,
        });
      }
    });

  function codeProblem(code: string): string {
    const wanted = code.toUpperCase().replace(/[\s-]+/g, '_');
    const near = Object.keys(SPINE_ERRORS).find((k) => k.replace(/ /g, '_') === wanted);
    return near
      ? `unknown Spine code "${code}"; did you mean "${near}"?`
      : `unknown Spine code "${code}"; known: ${Object.keys(SPINE_ERRORS).join(', ')}`;
  }

  const errorSchema = z
    .strictObject({
      ssp: z.boolean({ error: expected('true or false') }).optional(),
      status: z
        .number({ error: expected('an HTTP status') })
        .int({ error: 'expected an HTTP status' })
        .min(400, { error: 'expected an error status, 400 to 599' })
        .max(599, { error: 'expected an error status, 400 to 599' })
        .optional(),
      code: z
        .string({ error: expected('a Spine code such as "DUPLICATE_REJECTED"') })
        .optional()
        .meta({ enum: Object.keys(SPINE_ERRORS), description: 'a Spine error code (not with ssp: true)' }),
      display: z
        .string({ error: expected('a string') })
        .min(1, { error: 'expected a non-empty string' })
        .optional(),
      diagnostics: z
        .string({ error: expected('a string') })
        .min(1, { error: 'expected a non-empty string' })
        .optional(),
    })
    .superRefine((v, ctx) => {
      if (v.ssp) {
        if (v.code !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['code'],
            message: 'an SSP error has no Spine code (its code is the status); remove code',
          });
        }
        if (!isSspStatus(v.status)) {
          ctx.addIssue({
            code: 'custom',
            path: ['status'],
            message: `an SSP error needs status ${SSP_STATUSES.join(', ')}`,
          });
        }
      } else if (v.code === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['code'],
          message: 'required (a Spine code such as "DUPLICATE_REJECTED")',
        });
      } else if (!isSpineCode(v.code)) {
        ctx.addIssue({ code: 'custom', path: ['code'], message: codeProblem(v.code) });
      }
    });

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
    patient: z
      .string({ error: expected('a patient logical id') })
      .min(1, { error: 'expected a patient logical id' })
      .optional(),
    slot: z
      .string({ error: expected('a slot logical id') })
      .min(1, { error: 'expected a slot logical id' })
      .optional(),
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
      delay: delaySchema.optional(),
      error: errorSchema.optional(),
      drop: z.enum(DROP_MODES, { error: 'expected "reset", "hang", "empty" or "garbage"' }).optional(),
      steal: z.boolean({ error: 'expected true (a competing consumer books the first slot)' }).optional(),
      emptyBundle: z.boolean({ error: 'expected true (a search answers with an empty Bundle)' }).optional(),
      after: z.boolean({ error: 'expected true or false' }).optional(),
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
      const actions = ACTIONS.filter((a) => rule[a] !== undefined && rule[a] !== false);
      if (actions.length > 1) {
        ctx.addIssue({
          code: 'custom',
          path: [actions[1]!],
          message: `give only one of error, drop, steal, emptyBundle (found ${actions.join(' and ')})`,
        });
      }
      if (actions.length === 0 && rule.delay === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [],
          message: 'a rule needs something to do: error, drop, steal, emptyBundle or delay',
        });
      }
      if (rule.after) {
        if (rule.steal || rule.emptyBundle) {
          ctx.addIssue({
            code: 'custom',
            path: ['after'],
            message: `only goes with error, drop or delay (${rule.steal ? 'steal acts before the request runs' : 'emptyBundle replaces a search result'})`,
          });
        } else if (rule.error === undefined && rule.drop === undefined && rule.delay === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['after'],
            message: 'needs an error, drop or delay to replace the response',
          });
        }
      }
      if (rule.emptyBundle && rule.when?.method !== undefined && rule.when.method !== 'GET') {
        ctx.addIssue({
          code: 'custom',
          path: ['when', 'method'],
          message: 'emptyBundle answers searches, which are GET requests',
        });
      }
    });
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
  '': [
    'name',
    'when',
    'delay',
    'error',
    'drop',
    'steal',
    'emptyBundle',
    'after',
    'times',
    'skip',
    'probability',
  ],
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
    description: z
      .string({ error: expected('a one-line description (a string)') })
      .min(1, { error: 'expected a one-line description' }),
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
