/**
 * `delay`: hold the request before it runs (or, after `after`, before its response is sent):
 * `{"fixed": ms}`, `{"uniform": [min, max]}` or `{"lognormal": {"median", "p99", "max"}}`.
 */
import { sampleDelay } from '../random.js';
import type { FaultDelay } from '../rule.js';
/** Longer than any client timeout worth testing; `drop: "hang"` is the way to never answer. */
import { MAX_DELAY_MS } from './actions.js';
import { expected, type StepDefinition, type StepImplementation } from './definition.js';

export { MAX_DELAY_MS } from './actions.js';

/** A delay at least this long holds its connection (counts against --max-held). */
export const HOLD_DELAY_MS = 1000;

const UNIFORM_MESSAGE = 'expected [min, max] with min <= max';

function phrase(delay: FaultDelay): string {
  if ('fixed' in delay) return `wait ${delay.fixed} ms`;
  if ('uniform' in delay) return `wait ${delay.uniform[0]}-${delay.uniform[1]} ms (uniform)`;
  const { median, p99, max } = delay.lognormal;
  return `wait about ${median} ms (lognormal, p99 ${p99} ms${max !== undefined ? `, max ${max} ms` : ''})`;
}

export const definition: StepDefinition<'delay'> = {
  type: 'delay',
  phase: 'wait',
  summary: 'hold the request a fixed, uniform or lognormal number of milliseconds',
  schema(z) {
    const msSchema = z
      .number({ error: expected('a number of milliseconds') })
      .int({ error: 'expected a whole number of milliseconds' })
      .min(0, { error: 'expected 0 ms or more' })
      .max(MAX_DELAY_MS, { error: `at most ${MAX_DELAY_MS} ms; use drop: "hang" to never answer` });

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

    return z
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
  },
  holds: (step) => step.ms >= HOLD_DELAY_MS,
  explain: phrase,
  decide: (delay, { rng }) => ({ type: 'delay', ms: sampleDelay(delay, rng) }),
};

export const implementation: StepImplementation<'delay'> = {
  async apply(step, host) {
    await host.wait(step.ms);
    return undefined;
  },
};
