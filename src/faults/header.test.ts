import { describe, expect, it } from 'vitest';
import { FAULT_HEADER_HELP, parseFaultHeader } from './header.js';
import type { FaultRule } from './rule.js';

function rule(value: string): FaultRule {
  const parsed = parseFaultHeader(value);
  if ('problems' in parsed) throw new Error(parsed.message);
  return parsed.rule;
}

function message(value: string): string {
  const parsed = parseFaultHeader(value);
  if (!('problems' in parsed)) throw new Error(`expected ${value} to be refused`);
  return parsed.message;
}

describe('X-Sandbox-Fault', () => {
  const accepted: Array<[string, Omit<FaultRule, 'name'>]> = [
    [
      'error=409:DUPLICATE_REJECTED;delay=1500',
      { error: { status: 409, code: 'DUPLICATE_REJECTED' }, delay: { fixed: 1500 } },
    ],
    ['error=DUPLICATE_REJECTED', { error: { code: 'DUPLICATE_REJECTED' } }],
    ['error=403:ACCESS DENIED', { error: { status: 403, code: 'ACCESS DENIED' } }],
    ['error=ACCESS%20DENIED', { error: { code: 'ACCESS DENIED' } }],
    ['error=ssp:502', { error: { ssp: true, status: 502 } }],
    [
      'error=500:INTERNAL_SERVER_ERROR; diagnostics=Database%20down%3B%20try%20later',
      { error: { status: 500, code: 'INTERNAL_SERVER_ERROR', diagnostics: 'Database down; try later' } },
    ],
    ['drop=reset', { drop: 'reset' }],
    ['after;drop=empty', { after: true, drop: 'empty' }],
    ['steal', { steal: true }],
    ['emptyBundle', { emptyBundle: true }],
    ['delay=200-2000', { delay: { uniform: [200, 2000] } }],
    ['delay=lognormal:800:6000:15000', { delay: { lognormal: { median: 800, p99: 6000, max: 15000 } } }],
    ['drop=reset;probability=0.25', { drop: 'reset', probability: 0.25 }],
    ['{"error":{"code":"ACCESS DENIED"}}', { error: { code: 'ACCESS DENIED' } }],
    ['{"name":"mine","drop":"hang","when":{"method":"POST"}}', { drop: 'hang', when: { method: 'POST' } }],
  ];
  it.each(accepted)('reads %s', (value, expected) => {
    const { name: _name, ...rest } = rule(value);
    expect(rest).toEqual(expected);
  });

  it('names a one-off rule x-sandbox-fault unless told otherwise', () => {
    expect(rule('drop=reset').name).toBe('x-sandbox-fault');
    expect(rule('drop=reset;name=mine').name).toBe('mine');
    expect(rule('{"name":"mine","drop":"hang"}').name).toBe('mine');
  });

  const refused: Array<[string, string]> = [
    ['', 'X-Sandbox-Fault: empty; see FAULT_HEADER_HELP'],
    ['error=409:SLOT_GONE', 'X-Sandbox-Fault: error.code: unknown Spine code "SLOT_GONE"'],
    [
      'error=ssp:500',
      'X-Sandbox-Fault: error.status: an SSP error needs status 400, 403, 405, 415, 502, 503, 504',
    ],
    ['drop=explode', 'X-Sandbox-Fault: drop: expected "reset", "hang", "empty" or "garbage"'],
    ['delay=soon', 'X-Sandbox-Fault: delay: expected MS, MIN-MAX or lognormal:MEDIAN:P99[:MAX]'],
    ['delay=2000-200', 'X-Sandbox-Fault: delay.uniform: expected [min, max] with min <= max'],
    ['probability=lots;drop=reset', 'X-Sandbox-Fault: probability: expected a number from 0 to 1'],
    ['drop=reset;times=2', 'X-Sandbox-Fault: times: a one-off fault applies to its own request only'],
    ['boom=1', 'X-Sandbox-Fault: boom: unknown key; expected error,'],
    ['drop', 'X-Sandbox-Fault: drop: expected key=value'],
    ['diagnostics=x', 'X-Sandbox-Fault: error: diagnostics and display need an error'],
    [
      'error=BAD_REQUEST;drop=reset',
      'X-Sandbox-Fault: drop: give only one of error, drop, steal, emptyBundle',
    ],
    ['{"drop":', 'X-Sandbox-Fault: not valid JSON'],
    ['{"drop":"reset","skip":1}', 'X-Sandbox-Fault: skip: a one-off fault applies to its own request only'],
  ];
  it.each(refused)('refuses %j with a message naming the header and the field', (value, expected) => {
    expect(message(value)).toContain(expected);
  });

  it('documents the format in FAULT_HEADER_HELP', () => {
    expect(FAULT_HEADER_HELP).toContain('error=409:DUPLICATE_REJECTED;delay=1500');
    expect(FAULT_HEADER_HELP).toContain('drop=reset|hang|empty|garbage');
  });
});
