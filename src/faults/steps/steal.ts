/**
 * `steal: true`: a simulated competing consumer books the request's first slot just before the
 * request runs, so the provider's real DUPLICATE_REJECTED path answers (GP Connect 1.2.7
 * appointment booking: a slot booked between search and book). Only a booking has a slot to take.
 */
import type { StepDefinition, StepImplementation } from './definition.js';

export const definition: StepDefinition<'steal'> = {
  type: 'steal',
  phase: 'outcome',
  actionKind: 'steal',
  summary: "a competing consumer books the request's first slot just before it runs",
  flag: true,
  schema: (z) => z.boolean({ error: 'expected true (a competing consumer books the first slot)' }),
  scope: {
    purpose: 'acts on bookings',
    operation: (op) => op.key === 'appointment.create',
  },
  notAfter: 'steal acts before the request runs',
  explain: () => 'a competing consumer books the first slot, then the request runs',
  decide: () => ({ type: 'steal', action: { kind: 'steal' } }),
};

export const implementation: StepImplementation<'steal'> = {
  async apply(_step, host) {
    await host.stealFirstSlot();
    return undefined;
  },
};
