/**
 * One sentence per rule, shown by GET /_admin/faults, the admin page and the journal, e.g.
 * `POST /Appointment: wait 1500 ms, then 422 DUPLICATE_REJECTED; 1 of 2 uses left`.
 */
import type { SpineCode } from '../fhir/operation-outcome.js';
import type { FaultDelay, FaultRule, FaultWhen } from './rule.js';
import { SSP_ERRORS } from './ssp-errors.js';

export interface ExplainOptions {
  /**
   * The status a Spine code answers with under the active profile (profiles/statusFor). Without
   * it, an error with no explicit status is named by its code alone, since the profile decides.
   */
  statusOf?: (code: SpineCode) => number;
}

function scope(when: FaultWhen | undefined): string {
  const head =
    when?.method && when.path
      ? `${when.method} ${when.path}`
      : when?.method
        ? `${when.method} (any path)`
        : when?.path
          ? `${when.path} (any method)`
          : 'Any request';
  const conditions: string[] = [];
  if (when?.interaction) conditions.push(`interaction ${when.interaction}`);
  if (when?.patient) conditions.push(`patient ${when.patient}`);
  if (when?.nhsNumber) conditions.push(`NHS number ${when.nhsNumber}`);
  if (when?.slot) conditions.push(`slot ${when.slot}`);
  for (const [name, value] of Object.entries(when?.header ?? {})) conditions.push(`header ${name}: ${value}`);
  return conditions.length ? `${head} with ${conditions.join(', ')}` : head;
}

function delayPhrase(delay: FaultDelay): string {
  if ('fixed' in delay) return `wait ${delay.fixed} ms`;
  if ('uniform' in delay) return `wait ${delay.uniform[0]}-${delay.uniform[1]} ms (uniform)`;
  const { median, p99, max } = delay.lognormal;
  return `wait about ${median} ms (lognormal, p99 ${p99} ms${max !== undefined ? `, max ${max} ms` : ''})`;
}

const DROP_PHRASES = {
  reset: 'reset the connection (TCP RST)',
  hang: 'never answer (the connection is held open)',
  empty: 'close the connection without a response',
  garbage: 'send non-HTTP bytes and close the connection',
} as const;

function actionPhrase(rule: FaultRule, options: ExplainOptions): string | undefined {
  if (rule.error) {
    if (rule.error.ssp)
      return `the Spine proxy's ${rule.error.status} ${SSP_ERRORS[rule.error.status].display}`;
    const status = rule.error.status ?? options.statusOf?.(rule.error.code);
    return status !== undefined ? `${status} ${rule.error.code}` : rule.error.code;
  }
  if (rule.drop) return DROP_PHRASES[rule.drop];
  if (rule.steal) return 'a competing consumer books the first slot, then the request runs';
  if (rule.emptyBundle) return 'answer with an empty searchset Bundle';
  return undefined;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 'es'}`;
}

/**
 * `remaining` is how many applications are left (defaults to `times`, a fresh rule); it only shows
 * when the rule has `times`.
 */
export function explain(rule: FaultRule, remaining?: number | null, options: ExplainOptions = {}): string {
  const steps: string[] = [];
  if (rule.after) steps.push('let the request run and commit');
  if (rule.delay) steps.push(delayPhrase(rule.delay));
  const action = actionPhrase(rule, options);
  if (action) steps.push(action);
  else steps.push(rule.after ? 'send its response' : 'answer normally');
  const what = steps.map((s, i) => (i === 0 ? s : `then ${s}`)).join(', ');

  const limits: string[] = [];
  if (rule.skip) limits.push(`lets the first ${plural(rule.skip, 'match')} through`);
  if (rule.probability !== undefined && rule.probability < 1) {
    limits.push(`applies to ${Number((rule.probability * 100).toFixed(2))}% of matches`);
  }
  if (rule.times !== undefined) {
    const left = remaining ?? rule.times;
    limits.push(`${left} of ${rule.times} ${rule.times === 1 ? 'use' : 'uses'} left`);
  }
  return [`${scope(rule.when)}: ${what}`, ...limits].join('; ');
}
