/**
 * One sentence per rule, shown by GET /_admin/faults, the admin page and the journal, e.g.
 * `POST /Appointment: wait 1500 ms, then 422 DUPLICATE_REJECTED; 1 of 2 uses left`.
 */
import type { FaultRule, FaultWhen } from './rule.js';
import type { ExplainOptions } from './steps/definition.js';
import { explainSteps, STEPS, stepsOf } from './steps/index.js';

export type { ExplainOptions } from './steps/definition.js';

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

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 'es'}`;
}

/**
 * `remaining` is how many applications are left (defaults to `times`, a fresh rule); it only shows
 * when the rule has `times`.
 */
export function explain(rule: FaultRule, remaining?: number | null, options: ExplainOptions = {}): string {
  const phases = stepsOf(rule).map((s) => STEPS[s.type].definition.phase);
  const steps = explainSteps(rule, options);
  // Without an outcome step the request's own response is sent, late or after it ran.
  if (!phases.includes('outcome'))
    steps.push(phases.includes('before') ? 'send its response' : 'answer normally');
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
