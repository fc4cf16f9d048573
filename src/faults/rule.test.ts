import { describe, expect, it } from 'vitest';
import { looksLikeScenario, parseRule, parseScenario } from './rule.js';

const FILE = 'scenarios/x.json';

function scenarioMessage(rules: unknown[], extra: Record<string, unknown> = {}): string {
  const parsed = parseScenario(FILE, { description: 'd', rules, ...extra });
  if (!('problems' in parsed)) throw new Error('expected the scenario to be refused');
  return parsed.message;
}

describe('parseScenario refuses a bad rule with one line naming the file, the rule and the field', () => {
  const cases: Array<[string, unknown, string]> = [
    [
      'a uniform delay with min above max',
      { name: 'slow', delay: { uniform: [3000, 100] } },
      'scenarios/x.json: rules[0] "slow": delay.uniform: expected [min, max] with min <= max',
    ],
    [
      'a uniform delay that is not a pair',
      { name: 'slow', delay: { uniform: [100] } },
      'scenarios/x.json: rules[0] "slow": delay.uniform: expected [min, max] with min <= max',
    ],
    [
      'two delay kinds',
      { name: 'slow', delay: { fixed: 1, uniform: [1, 2] } },
      'scenarios/x.json: rules[0] "slow": delay: give only one of fixed, uniform, lognormal (found fixed, uniform)',
    ],
    [
      'a lognormal p99 below its median',
      { name: 'tail', delay: { lognormal: { median: 800, p99: 400, max: 1000 } } },
      'scenarios/x.json: rules[0] "tail": delay.lognormal.p99: must be at least median',
    ],
    [
      'a lognormal max below its p99',
      { name: 'tail', delay: { lognormal: { median: 800, p99: 6000, max: 5000 } } },
      'scenarios/x.json: rules[0] "tail": delay.lognormal.max: must be at least p99',
    ],
    [
      'a negative fixed delay',
      { name: 'd', delay: { fixed: -5 } },
      'scenarios/x.json: rules[0] "d": delay.fixed: expected 0 ms or more',
    ],
    [
      'an unknown Spine code',
      { name: 'e', error: { code: 'SLOT_TAKEN' } },
      'scenarios/x.json: rules[0] "e": error.code: unknown Spine code "SLOT_TAKEN"; known: BAD_REQUEST,',
    ],
    [
      'a near-miss Spine code',
      { name: 'e', error: { code: 'duplicate-rejected' } },
      'scenarios/x.json: rules[0] "e": error.code: unknown Spine code "duplicate-rejected"; did you mean "DUPLICATE_REJECTED"?',
    ],
    [
      'an error without a code',
      { name: 'e', error: { status: 500 } },
      'scenarios/x.json: rules[0] "e": error.code: required',
    ],
    [
      'a non-error status',
      { name: 'e', error: { status: 200, code: 'BAD_REQUEST' } },
      'scenarios/x.json: rules[0] "e": error.status: expected an error status, 400 to 599',
    ],
    [
      'an SSP error with a status the proxy does not send',
      { name: 'e', error: { ssp: true, status: 500 } },
      'scenarios/x.json: rules[0] "e": error.status: an SSP error needs status 400, 403, 405, 415, 502, 503, 504',
    ],
    [
      'an SSP error with a Spine code',
      { name: 'e', error: { ssp: true, status: 502, code: 'BAD_REQUEST' } },
      'scenarios/x.json: rules[0] "e": error.code: an SSP error has no Spine code',
    ],
    [
      'two actions',
      { name: 'both', error: { code: 'BAD_REQUEST' }, drop: 'reset' },
      'scenarios/x.json: rules[0] "both": drop: give only one of error, drop, steal, emptyBundle (found error and drop)',
    ],
    [
      'nothing to do',
      { name: 'idle', when: { method: 'GET' } },
      'scenarios/x.json: rules[0] "idle": a rule needs something to do',
    ],
    [
      'after with steal',
      { name: 's', steal: true, after: true },
      'scenarios/x.json: rules[0] "s": after: only goes with error, drop or delay (steal acts before the request runs)',
    ],
    [
      'an unknown drop mode',
      { name: 'd', drop: 'slow' },
      'scenarios/x.json: rules[0] "d": drop: expected "reset", "hang", "empty" or "garbage"',
    ],
    [
      'a probability above 1',
      { name: 'p', drop: 'reset', probability: 1.5 },
      'scenarios/x.json: rules[0] "p": probability: expected a number from 0 to 1',
    ],
    [
      'fractional times',
      { name: 't', drop: 'reset', times: 1.5 },
      'scenarios/x.json: rules[0] "t": times: expected a whole number, 0 or more',
    ],
    [
      'negative skip',
      { name: 't', drop: 'reset', skip: -1 },
      'scenarios/x.json: rules[0] "t": skip: expected a whole number, 0 or more',
    ],
    ['a missing name', { drop: 'reset' }, 'scenarios/x.json: rules[0]: name: required'],
    [
      'a name that cannot go in a URL',
      { name: 'a b/c', drop: 'reset' },
      'scenarios/x.json: rules[0] "a b/c": name: expected 1-64 letters, digits',
    ],
    [
      'a misspelt field',
      { name: 'typo', drop: 'reset', probabilty: 0.5 },
      'scenarios/x.json: rules[0] "typo": probabilty: unknown field; expected one of name, when,',
    ],
    [
      'a misspelt when field',
      { name: 'typo', drop: 'reset', when: { verb: 'GET' } },
      'scenarios/x.json: rules[0] "typo": when.verb: unknown field; expected one of method, path,',
    ],
    [
      'a wildcard inside a segment',
      { name: 'w', drop: 'reset', when: { path: '/Appoint*' } },
      'scenarios/x.json: rules[0] "w": when.path: expected a path like /Appointment or /Appointment/*',
    ],
    [
      'an unknown method',
      { name: 'm', drop: 'reset', when: { method: 'FETCH' } },
      'scenarios/x.json: rules[0] "m": when.method: expected one of GET, POST, PUT,',
    ],
    [
      'a short NHS number',
      { name: 'n', drop: 'reset', when: { nhsNumber: '12345' } },
      'scenarios/x.json: rules[0] "n": when.nhsNumber: expected a 10-digit NHS number',
    ],
    [
      'a header value that is not a string',
      { name: 'h', drop: 'reset', when: { header: { 'x-a': 1 } } },
      'scenarios/x.json: rules[0] "h": when.header.x-a: expected the exact header value (a string)',
    ],
    [
      'emptyBundle on a POST',
      { name: 'eb', emptyBundle: true, when: { method: 'POST' } },
      'scenarios/x.json: rules[0] "eb": when.method: emptyBundle answers searches, which are GET requests',
    ],
  ];
  it.each(cases)('%s', (_title, rule, message) => {
    expect(scenarioMessage([rule])).toContain(message);
  });

  it('names the rule by its index when later rules are fine', () => {
    const message = scenarioMessage([
      { name: 'ok', drop: 'reset' },
      { name: 'slow', delay: { uniform: [3000, 100] } },
    ]);
    expect(message).toBe(
      'scenarios/x.json: rules[1] "slow": delay.uniform: expected [min, max] with min <= max',
    );
  });

  it('refuses duplicate names, pointing at the first holder', () => {
    expect(
      scenarioMessage([
        { name: 'a', drop: 'reset' },
        { name: 'a', drop: 'empty' },
      ]),
    ).toBe(
      'scenarios/x.json: rules[1] "a": name: duplicate name (rules[0] has it too); names must be unique',
    );
  });

  it('keeps every problem on one line', () => {
    const message = scenarioMessage([{ name: 'a', drop: 'x', probability: 2 }, { drop: 'reset' }]);
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toContain('rules[0] "a": drop:');
    expect(message).toContain('rules[0] "a": probability:');
    expect(message).toContain('rules[1]: name: required');
  });

  it('refuses bad file-level fields', () => {
    expect(parseScenario(FILE, { rules: [] })).toMatchObject({
      message: 'scenarios/x.json: description: required',
    });
    expect(parseScenario(FILE, { description: 'd', rules: [], randomSeed: 'seven' })).toMatchObject({
      message: 'scenarios/x.json: randomSeed: expected a whole number',
    });
    expect(parseScenario(FILE, { description: 'd', rules: {} })).toMatchObject({
      message: 'scenarios/x.json: rules: expected an array of rules',
    });
    expect(parseScenario(FILE, [])).toMatchObject({ message: 'scenarios/x.json: expected an object' });
  });
});

describe('parseRule', () => {
  it('accepts the PRODUCT.md example rule', () => {
    const parsed = parseRule({
      name: 'slow-then-duplicate',
      when: { method: 'POST', path: '/Appointment' },
      delay: { fixed: 1500 },
      error: { status: 422, code: 'DUPLICATE_REJECTED', diagnostics: 'Slot taken' },
      times: 2,
      skip: 0,
      probability: 1,
    });
    expect('rule' in parsed && parsed.rule.error).toEqual({
      status: 422,
      code: 'DUPLICATE_REJECTED',
      diagnostics: 'Slot taken',
    });
  });

  it.each(['ACCESS_DENIED', 'ACCESS DENIED'])('knows the Spine code spelt %s', (code) => {
    expect(parseRule({ name: 'a', error: { code } })).toHaveProperty('rule');
  });

  it('accepts an SSP error and a delay alone, and normalises method and NHS number', () => {
    expect(parseRule({ name: 's', error: { ssp: true, status: 502, diagnostics: 'down' } })).toHaveProperty(
      'rule',
    );
    const parsed = parseRule({
      name: 'd',
      delay: { fixed: 10 },
      when: { method: 'post', nhsNumber: '943 476 5919' },
    });
    expect('rule' in parsed && parsed.rule.when).toEqual({ method: 'POST', nhsNumber: '9434765919' });
  });

  it('accepts after with error, drop or delay', () => {
    for (const action of [{ error: { code: 'BAD_REQUEST' } }, { drop: 'reset' }, { delay: { fixed: 1 } }]) {
      expect(parseRule({ name: 'a', after: true, ...action })).toHaveProperty('rule');
    }
  });

  it('labels the admin message with the rule name and field', () => {
    expect(parseRule({ name: 'slow', delay: { uniform: [3, 1] } })).toMatchObject({
      problems: [{ field: 'delay.uniform', message: 'expected [min, max] with min <= max' }],
      message: 'rule "slow": delay.uniform: expected [min, max] with min <= max',
    });
  });

  it('drops false flags so the stored rule reads as intended', () => {
    const parsed = parseRule({ name: 'a', drop: 'reset', steal: false, after: false });
    expect('rule' in parsed && parsed.rule).toEqual({ name: 'a', drop: 'reset' });
  });
});

describe('looksLikeScenario', () => {
  it('tells scenario files from seed files by their rules array', () => {
    expect(looksLikeScenario({ description: 'x', rules: [] })).toBe(true);
    expect(looksLikeScenario({ patients: [] })).toBe(false);
  });
});
