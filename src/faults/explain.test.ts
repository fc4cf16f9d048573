import { describe, expect, it } from 'vitest';
import { SPINE_ERRORS, type SpineCode } from '../fhir/operation-outcome.js';
import { explain } from './explain.js';
import type { FaultRule } from './rule.js';

const BOOK = { method: 'POST', path: '/Appointment' };

describe('explain', () => {
  const cases: Array<[FaultRule, number | undefined, string]> = [
    [
      {
        name: 'a',
        when: BOOK,
        delay: { fixed: 1500 },
        error: { status: 422, code: 'DUPLICATE_REJECTED' },
        times: 2,
      },
      1,
      'POST /Appointment: wait 1500 ms, then 422 DUPLICATE_REJECTED; 1 of 2 uses left',
    ],
    [{ name: 'a', drop: 'reset' }, undefined, 'Any request: reset the connection (TCP RST)'],
    [
      { name: 'a', when: { path: '/Appointment/*' }, drop: 'hang', times: 1 },
      undefined,
      '/Appointment/* (any method): never answer (the connection is held open); 1 of 1 use left',
    ],
    [
      { name: 'a', when: { method: 'GET' }, delay: { uniform: [50, 2500] }, probability: 0.33 },
      undefined,
      'GET (any path): wait 50-2500 ms (uniform), then answer normally; applies to 33% of matches',
    ],
    [
      { name: 'a', delay: { lognormal: { median: 800, p99: 6000, max: 15000 } } },
      undefined,
      'Any request: wait about 800 ms (lognormal, p99 6000 ms, max 15000 ms), then answer normally',
    ],
    [
      { name: 'a', when: BOOK, after: true, drop: 'reset', skip: 2 },
      undefined,
      'POST /Appointment: let the request run and commit, then reset the connection (TCP RST); lets the first 2 matches through',
    ],
    [
      { name: 'a', when: BOOK, after: true, delay: { fixed: 3000 } },
      undefined,
      'POST /Appointment: let the request run and commit, then wait 3000 ms, then send its response',
    ],
    [
      { name: 'a', when: BOOK, steal: true },
      undefined,
      'POST /Appointment: a competing consumer books the first slot, then the request runs',
    ],
    [
      { name: 'a', when: { method: 'GET', path: '/Slot' }, emptyBundle: true },
      undefined,
      'GET /Slot: answer with an empty searchset Bundle',
    ],
    [
      { name: 'a', error: { ssp: true, status: 502 } },
      undefined,
      "Any request: the Spine proxy's 502 ERROR_COMMUNICATING_TO_ENDPOINT_URL",
    ],
    [
      { name: 'a', when: { ...BOOK, patient: '7', header: { 'x-run': 'a' } }, drop: 'garbage' },
      undefined,
      'POST /Appointment with patient 7, header x-run: a: send non-HTTP bytes and close the connection',
    ],
    [
      {
        name: 'a',
        when: { interaction: 'rest:create:appointment-1', nhsNumber: '9434765919' },
        drop: 'empty',
      },
      undefined,
      'Any request with interaction rest:create:appointment-1, NHS number 9434765919: close the connection without a response',
    ],
    [
      { name: 'a', when: BOOK, error: { code: 'DUPLICATE_REJECTED' }, times: 3, skip: 1, probability: 0.5 },
      0,
      'POST /Appointment: DUPLICATE_REJECTED; lets the first 1 match through; applies to 50% of matches; 0 of 3 uses left',
    ],
  ];
  it.each(cases.map(([rule, remaining, sentence]) => ({ rule, remaining, sentence })))(
    'says "$sentence"',
    ({ rule, remaining, sentence }) => {
      expect(explain(rule, remaining)).toBe(sentence);
    },
  );

  it("names the active profile's status when it is given one", () => {
    const statusOf = (code: SpineCode) =>
      code === 'DUPLICATE_REJECTED' ? 422 : SPINE_ERRORS[code].httpStatus;
    expect(
      explain({ name: 'a', when: BOOK, error: { code: 'DUPLICATE_REJECTED' } }, undefined, { statusOf }),
    ).toBe('POST /Appointment: 422 DUPLICATE_REJECTED');
  });
});
