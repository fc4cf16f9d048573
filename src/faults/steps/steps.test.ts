import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPERATIONS, type Operation } from '../../fhir/operations.js';
import { explain } from '../explain.js';
import { FAULT_HEADER_HELP } from '../header.js';
import { type FaultRule, faultRuleSchema, parseRule } from '../rule.js';
import type { FaultHost, StepResponse, StepType } from './definition.js';
import {
  decideSteps,
  FLAG_STEP_TYPES,
  holdsConnection,
  runSteps,
  STEP_TYPES,
  STEPS,
  stepsOf,
} from './index.js';

const DOCS = readFileSync(new URL('../../../docs/faults.md', import.meta.url), 'utf8');

const BOOK = { method: 'POST', path: '/Appointment' };
const SLOTS = { method: 'GET', path: '/Slot' };
const op = (key: string) => OPERATIONS.find((o) => o.key === key)!;

/** A valid rule using each step type (typed so that a new step type needs a row here). */
const SAMPLES: Record<StepType, FaultRule> = {
  delay: { name: 'd', delay: { fixed: 5 } },
  error: { name: 'e', error: { code: 'BAD_REQUEST', diagnostics: 'nope' } },
  drop: { name: 'x', drop: 'empty' },
  steal: { name: 's', when: BOOK, steal: true },
  emptyBundle: { name: 'b', when: SLOTS, emptyBundle: true },
  after: { name: 'a', when: BOOK, after: true, drop: 'reset' },
};

/** What the host sees when each sample runs on a request it can act on. */
const EFFECTS: Record<StepType, { operation: string; calls: string[]; answer: unknown }> = {
  delay: { operation: 'slot.search', calls: ['wait 5', 'check', 'run'], answer: 'own response' },
  error: {
    operation: 'slot.search',
    calls: ['check', 'statusOf BAD_REQUEST'],
    answer: { status: 400, code: 'BAD_REQUEST', diagnostics: 'nope' },
  },
  drop: { operation: 'slot.search', calls: ['check', 'drop empty'], answer: 'dropped' },
  steal: {
    operation: 'appointment.create',
    calls: ['check', 'steal', 'check', 'run'],
    answer: 'own response',
  },
  emptyBundle: {
    operation: 'slot.search',
    calls: ['check'],
    answer: { status: 200, resourceType: 'Bundle', type: 'searchset', total: 0 },
  },
  after: { operation: 'appointment.create', calls: ['run first', 'check', 'drop reset'], answer: 'dropped' },
};

function recordingHost(operations: Operation[]): { host: FaultHost<string>; calls: string[] } {
  const calls: string[] = [];
  const host: FaultHost<string> = {
    operations,
    run: async () => {
      calls.push('run');
      return 'own response';
    },
    runFirst: async () => {
      calls.push('run first');
      return 'own response';
    },
    wait: async (ms) => {
      calls.push(`wait ${ms}`);
    },
    checkCurrent: () => {
      calls.push('check');
    },
    drop: (mode) => {
      calls.push(`drop ${mode}`);
    },
    statusOf: (code) => {
      calls.push(`statusOf ${code}`);
      return 400;
    },
    stealFirstSlot: async () => {
      calls.push('steal');
    },
  };
  return { host, calls };
}

function summary(answer: string | StepResponse): unknown {
  if (typeof answer === 'string') return answer;
  const r = answer.resource as Record<string, unknown> & { issue?: Array<Record<string, unknown>> };
  if (r.resourceType === 'OperationOutcome') {
    const issue = r.issue![0] as { details: { coding: Array<{ code: string }> }; diagnostics: string };
    return { status: answer.status, code: issue.details.coding[0]!.code, diagnostics: issue.diagnostics };
  }
  return { status: answer.status, resourceType: r.resourceType, type: r['type'], total: r['total'] };
}

describe('the step registry', () => {
  it('registers exactly the step types a rule is written with', () => {
    expect(STEP_TYPES.sort()).toEqual(['after', 'delay', 'drop', 'emptyBundle', 'error', 'steal']);
  });

  describe.each(STEP_TYPES)('%s', (type) => {
    const { definition, implementation } = STEPS[type];

    it('has one definition and one implementation of its own type', () => {
      expect(definition.type).toBe(type);
      expect(['before', 'wait', 'outcome']).toContain(definition.phase);
      expect(definition.summary).not.toBe('');
      expect(typeof implementation.apply).toBe('function');
    });

    it('is a field of the rule schema and its sample rule parses as written', () => {
      expect(Object.keys(faultRuleSchema().shape)).toContain(type);
      const parsed = parseRule(SAMPLES[type]);
      expect(parsed).toEqual({ rule: SAMPLES[type] });
      expect(stepsOf(SAMPLES[type]).map((s) => s.type)).toContain(type);
    });

    it('describes its field in the JSON schema of a rule (the admin OpenAPI document)', async () => {
      const z = await import('zod');
      const json = z.toJSONSchema(faultRuleSchema(), { io: 'input', unrepresentable: 'any' }) as {
        properties: Record<string, { description?: string }>;
      };
      expect(json.properties[type]?.description).toBe(`step: ${definition.summary}`);
    });

    it("puts its explain() phrase in the rule's sentence", () => {
      const value = SAMPLES[type][type] as never;
      const phrase = definition.explain(value, {});
      expect(phrase).toMatch(/\w/);
      expect(explain(SAMPLES[type])).toContain(phrase);
    });

    it('is documented in docs/faults.md and in the X-Sandbox-Fault help', () => {
      expect(DOCS).toMatch(new RegExp(`^\\| \`${type}\` \\|`, 'm'));
      expect(FAULT_HEADER_HELP).toContain(type);
    });

    it('does what it says to a request it can act on', async () => {
      const rule = SAMPLES[type];
      const { host, calls } = recordingHost([op(EFFECTS[type].operation)]);
      const answer = await runSteps(
        decideSteps(rule, () => 0.5),
        host,
      );
      expect({ calls, answer: summary(answer) }).toEqual({
        calls: EFFECTS[type].calls,
        answer: EFFECTS[type].answer,
      });
    });
  });

  it('knows which decided steps hold the connection (--max-held) and which are flags', () => {
    const held = (rule: FaultRule) => holdsConnection(decideSteps(rule, () => 0.5));
    expect(held({ name: 'h', drop: 'hang' })).toBe(true);
    expect(held({ name: 'h', delay: { fixed: 1000 } })).toBe(true);
    expect(held({ name: 'h', delay: { fixed: 999 }, drop: 'reset' })).toBe(false);
    expect(held({ name: 'h', when: BOOK, steal: true })).toBe(false);
    expect([...FLAG_STEP_TYPES].sort()).toEqual(['after', 'emptyBundle', 'steal']);
  });

  it('passes a scoped step over on a request it cannot act on, and the rest of the rule applies', async () => {
    const rule = { name: 'eb', delay: { fixed: 7 }, emptyBundle: true } as FaultRule;
    const { host, calls } = recordingHost([op('appointment.create')]);
    expect(
      await runSteps(
        decideSteps(rule, () => 0.5),
        host,
      ),
    ).toBe('own response');
    expect(calls).toEqual(['wait 7', 'check', 'run']);
    const unrouted = recordingHost([]);
    await runSteps(
      decideSteps({ name: 's', steal: true }, () => 0.5),
      unrouted.host,
    );
    expect(unrouted.calls).toEqual(['check', 'run']);
  });
});
