/**
 * `X-Sandbox-Fault`: a one-off fault for the request that carries it (PRODUCT.md § HTTP surface).
 *
 * Compact form: `;`-separated items, each `key=value` or a bare flag; values may be percent-encoded.
 *   error=409:DUPLICATE_REJECTED   a Spine error with an explicit status
 *   error=DUPLICATE_REJECTED       the code's status under the active profile (`ACCESS DENIED` works too)
 *   error=ssp:502                  the Spine proxy's own error shape (400, 403, 405, 415, 502, 503, 504)
 *   diagnostics=Slot%20taken       display=...  (with error)
 *   delay=1500                     fixed ms;  delay=200-2000  uniform;  delay=lognormal:800:6000[:15000]
 *   drop=reset|hang|empty|garbage  steal  emptyBundle  after  probability=0.5  name=my-fault
 * e.g. `error=409:DUPLICATE_REJECTED;delay=1500`, `drop=reset`, `after;drop=empty`.
 *
 * JSON form: a value starting with `{` is a rule object as in a scenario file; `name` is optional.
 * `times` and `skip` are refused: a one-off fault applies to its own request only.
 */
import { type FaultRule, formatProblems, parseRule, type RuleProblem } from './rule.js';
import { FLAG_STEP_TYPES, type StepType } from './steps/index.js';

export const FAULT_HEADER_NAME = 'X-Sandbox-Fault';

/** The default name of a one-off rule, as it shows in the journal. */
export const ONE_OFF_RULE_NAME = 'x-sandbox-fault';

export const FAULT_HEADER_HELP = [
  'X-Sandbox-Fault applies a one-off fault to the request that carries it.',
  'Compact form, ";"-separated (values may be percent-encoded):',
  '  error=409:DUPLICATE_REJECTED | error=DUPLICATE_REJECTED | error=ssp:502   (+ diagnostics=TEXT, display=TEXT)',
  '  delay=1500 | delay=200-2000 | delay=lognormal:MEDIAN:P99[:MAX]',
  '  drop=reset|hang|empty|garbage | steal | emptyBundle | after | probability=0.5 | name=NAME',
  'Examples: "error=409:DUPLICATE_REJECTED;delay=1500", "drop=reset", "after;drop=empty", "error=ssp:504;delay=10000".',
  'JSON form: a rule object as in a scenario file, e.g. {"error":{"code":"ACCESS DENIED"}} (name optional; no times/skip).',
].join('\n');

export type ParseFaultHeaderResult = { rule: FaultRule } | { problems: RuleProblem[]; message: string };

/** The flag steps by their lower-case name (keys are case-insensitive): steal, emptybundle, after. */
const FLAGS: ReadonlyMap<string, StepType> = new Map(FLAG_STEP_TYPES.map((t) => [t.toLowerCase(), t]));

function fail(problems: RuleProblem[]): ParseFaultHeaderResult {
  return { problems, message: formatProblems(FAULT_HEADER_NAME, problems) };
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function number(text: string): number {
  return /^\s*-?\d+(\.\d+)?\s*$/.test(text) ? Number(text) : Number.NaN;
}

function parseDelay(text: string): FaultRule['delay'] | undefined {
  let m = /^(\d+)$/.exec(text);
  if (m) return { fixed: Number(m[1]) };
  m = /^(?:uniform:)?(\d+)[-:](\d+)$/.exec(text);
  if (m) return { uniform: [Number(m[1]), Number(m[2])] };
  m = /^lognormal:(\d+):(\d+)(?::(\d+))?$/.exec(text);
  if (m)
    return { lognormal: { median: Number(m[1]), p99: Number(m[2]), ...(m[3] ? { max: Number(m[3]) } : {}) } };
  return undefined;
}

function parseError(text: string): Record<string, unknown> {
  const ssp = /^ssp:(\d+)$/i.exec(text);
  if (ssp) return { ssp: true, status: Number(ssp[1]) };
  const withStatus = /^(\d{3}):(.+)$/.exec(text);
  if (withStatus) return { status: Number(withStatus[1]), code: withStatus[2]!.trim() };
  return { code: text.trim() };
}

function compact(value: string): Record<string, unknown> | RuleProblem[] {
  const rule: Record<string, unknown> = { name: ONE_OFF_RULE_NAME };
  const error: Record<string, unknown> = {};
  let errorDetails = false;
  const problems: RuleProblem[] = [];
  for (const item of value.split(';')) {
    const trimmed = item.trim();
    if (trimmed === '') continue;
    const eq = trimmed.indexOf('=');
    const key = (eq < 0 ? trimmed : trimmed.slice(0, eq)).trim();
    const raw = eq < 0 ? undefined : decode(trimmed.slice(eq + 1).trim());
    const lower = key.toLowerCase();
    const flag = FLAGS.get(lower);
    if (flag !== undefined) {
      if (raw !== undefined && raw !== 'true' && raw !== 'false') {
        problems.push({ field: key, message: `expected a bare flag "${key}" or ${key}=true` });
      } else rule[flag] = raw !== 'false';
      continue;
    }
    if (raw === undefined) {
      problems.push({
        field: key,
        message: 'expected key=value (see FAULT_HEADER_HELP), e.g. error=409:DUPLICATE_REJECTED',
      });
      continue;
    }
    switch (lower) {
      case 'error':
        Object.assign(error, parseError(raw));
        rule['error'] = error;
        break;
      case 'diagnostics':
      case 'display':
        error[lower] = raw;
        errorDetails = true;
        break;
      case 'delay': {
        const delay = parseDelay(raw);
        if (delay) rule['delay'] = delay;
        else problems.push({ field: 'delay', message: 'expected MS, MIN-MAX or lognormal:MEDIAN:P99[:MAX]' });
        break;
      }
      case 'drop':
        rule['drop'] = raw;
        break;
      case 'probability':
        rule['probability'] = number(raw);
        break;
      case 'name':
        rule['name'] = raw;
        break;
      case 'times':
      case 'skip':
        problems.push({
          field: lower,
          message: 'a one-off fault applies to its own request only; arm a rule for times/skip',
        });
        break;
      default:
        problems.push({
          field: key,
          message:
            'unknown key; expected error, diagnostics, display, delay, drop, steal, emptyBundle, after, probability, name',
        });
    }
  }
  if (errorDetails && rule['error'] === undefined) {
    problems.push({
      field: 'error',
      message: 'diagnostics and display need an error, e.g. error=409:DUPLICATE_REJECTED',
    });
  }
  return problems.length ? problems : rule;
}

function json(value: string): Record<string, unknown> | RuleProblem[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (e) {
    return [{ field: '', message: `not valid JSON (${(e as Error).message})` }];
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return [{ field: '', message: 'expected a rule object' }];
  }
  const rule = { name: ONE_OFF_RULE_NAME, ...(parsed as Record<string, unknown>) };
  const problems: RuleProblem[] = [];
  for (const key of ['times', 'skip']) {
    if (key in rule) {
      problems.push({
        field: key,
        message: 'a one-off fault applies to its own request only; arm a rule for times/skip',
      });
    }
  }
  return problems.length ? problems : rule;
}

export function parseFaultHeader(value: string): ParseFaultHeaderResult {
  const text = value.trim();
  if (text === '') return fail([{ field: '', message: 'empty; see FAULT_HEADER_HELP, e.g. drop=reset' }]);
  const candidate = text.startsWith('{') ? json(text) : compact(text);
  if (Array.isArray(candidate)) return fail(candidate);
  const parsed = parseRule(candidate, FAULT_HEADER_NAME);
  if ('problems' in parsed) return fail(parsed.problems);
  return parsed;
}
