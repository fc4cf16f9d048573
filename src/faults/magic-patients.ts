/**
 * Magic patients: demo patients (seed `Patient.magic`) whose bookings always meet one outcome, so a
 * demo or a test can show a failure without arming anything. http/ applies the rule as a one-off
 * fault when a booking's patient has `magic` set; `gpc-sandbox scenarios` and GET /_admin/scenarios
 * list them with their outcome sentence.
 */
import type { FaultRule } from './rule.js';

export interface MagicOutcome {
  /** A human sentence: what booking for this patient does. */
  outcome: string;
  rule: FaultRule;
}

const BOOK = { method: 'POST', path: '/Appointment' } as const;

export const MAGIC_OUTCOMES: Record<string, MagicOutcome> = {
  duplicate: {
    outcome: 'Every booking is refused as a duplicate (DUPLICATE_REJECTED, 422 or 409 by profile).',
    rule: {
      name: 'magic-duplicate',
      when: { ...BOOK },
      error: {
        code: 'DUPLICATE_REJECTED',
        diagnostics:
          "The slot is no longer free (this demo patient's bookings are always refused as duplicates).",
      },
    },
  },
  'server-error': {
    outcome: 'Every booking fails with 500 INTERNAL_SERVER_ERROR.',
    rule: {
      name: 'magic-server-error',
      when: { ...BOOK },
      error: {
        status: 500,
        code: 'INTERNAL_SERVER_ERROR',
        diagnostics: "The provider system failed while booking (this demo patient's bookings always fail).",
      },
    },
  },
  slow: {
    outcome: 'Every booking succeeds, but only after 5 seconds.',
    rule: { name: 'magic-slow', when: { ...BOOK }, delay: { fixed: 5000 } },
  },
  'access-denied': {
    outcome: 'Every booking is refused with 403 ACCESS DENIED, as if the practice had switched booking off.',
    rule: {
      name: 'magic-access-denied',
      when: { ...BOOK },
      error: {
        status: 403,
        code: 'ACCESS DENIED',
        diagnostics: "Appointment booking is not enabled for this patient's practice (demo patient).",
      },
    },
  },
};

export function isMagicOutcome(key: string): boolean {
  return Object.hasOwn(MAGIC_OUTCOMES, key);
}
