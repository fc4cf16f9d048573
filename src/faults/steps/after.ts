/**
 * `after: true`: the request runs and commits first; the rule's delay, error or drop then replaces
 * its response ("booked, but the response was lost").
 */
import type { StepDefinition, StepImplementation } from './definition.js';

export const definition: StepDefinition<'after'> = {
  type: 'after',
  phase: 'before',
  summary: 'the request runs and commits first; the delay, error or drop then replaces its response',
  flag: true,
  schema: (z) => z.boolean({ error: 'expected true or false' }),
  explain: () => 'let the request run and commit',
  decide: () => ({ type: 'after' }),
};

export const implementation: StepImplementation<'after'> = {
  async apply(_step, host, run) {
    run.result = await host.runFirst();
    return undefined;
  },
};
