import { describe, expect, it } from 'vitest';
import { type FaultDecision, FaultEngine, type FaultRequest, whyNot } from './engine.js';
import type { FaultRule, Scenario } from './rule.js';

const URN = 'urn:nhs:names:services:gpconnect:fhir:rest:create:appointment-1';

function req(overrides: Partial<FaultRequest> = {}): FaultRequest {
  return { method: 'POST', path: '/Appointment', interaction: URN, headers: {}, ...overrides };
}

function engineWith(rules: FaultRule[], randomSeed = 1, scenarioSeed?: number): FaultEngine {
  const engine = new FaultEngine({ randomSeed });
  const scenario: Scenario = { description: 'test', rules };
  if (scenarioSeed !== undefined) scenario.randomSeed = scenarioSeed;
  engine.setScenario('test', scenario);
  return engine;
}

function names(engine: FaultEngine, requests: FaultRequest[]): Array<string | undefined> {
  return requests.map((r) => engine.select(r)?.name);
}

describe('FaultEngine.select', () => {
  it('tries admin-armed rules before the scenario, each in order, and applies the first that matches', () => {
    const engine = engineWith([
      { name: 's1', when: { method: 'GET' }, drop: 'reset' },
      { name: 's2', drop: 'empty' },
    ]);
    expect(engine.select(req())?.name).toBe('s2');
    expect(engine.select(req({ method: 'GET' }))?.name).toBe('s1');
    engine.arm({ name: 'a1', when: { path: '/Slot' }, drop: 'hang' });
    engine.arm({ name: 'a2', drop: 'garbage' });
    expect(engine.select(req({ method: 'GET', path: '/Slot' }))?.name).toBe('a1');
    expect(engine.select(req())?.name).toBe('a2');
  });

  it('lets the first `skip` matches through, then applies at most `times` times', () => {
    const engine = engineWith([{ name: 'r', drop: 'reset', skip: 2, times: 2 }]);
    expect(
      names(
        engine,
        Array.from({ length: 6 }, () => req()),
      ),
    ).toEqual([undefined, undefined, 'r', 'r', undefined, undefined]);
  });

  it('falls through to the next rule while a rule skips or is exhausted', () => {
    const engine = engineWith([
      { name: 'once', drop: 'reset', times: 1, skip: 1 },
      { name: 'always', drop: 'empty' },
    ]);
    expect(names(engine, [req(), req(), req()])).toEqual(['always', 'once', 'always']);
  });

  it('counts only requests that match `when`', () => {
    const engine = engineWith([{ name: 'r', when: { method: 'POST' }, drop: 'reset', skip: 1 }]);
    expect(names(engine, [req({ method: 'GET' }), req({ method: 'GET' }), req(), req()])).toEqual([
      undefined,
      undefined,
      undefined,
      'r',
    ]);
  });

  it('applies a rule with probability p to about p of matching requests', () => {
    const engine = engineWith([{ name: 'p', drop: 'reset', probability: 0.3 }], 9);
    const hits = names(
      engine,
      Array.from({ length: 10_000 }, () => req()),
    ).filter(Boolean).length;
    expect(hits / 10_000).toBeGreaterThan(0.28);
    expect(hits / 10_000).toBeLessThan(0.32);
  });

  it('never applies probability 0 and always applies probability 1', () => {
    const engine = engineWith([
      { name: 'never', drop: 'reset', probability: 0 },
      { name: 'always', drop: 'empty', probability: 1 },
    ]);
    expect(
      new Set(
        names(
          engine,
          Array.from({ length: 100 }, () => req()),
        ),
      ),
    ).toEqual(new Set(['always']));
  });

  it('gives the same decisions, delays included, for the same seed and requests in order', () => {
    const rules: FaultRule[] = [
      { name: 'flaky', drop: 'reset', probability: 0.2 },
      { name: 'slow', delay: { lognormal: { median: 800, p99: 6000, max: 15000 } }, probability: 0.5 },
      { name: 'jitter', delay: { uniform: [10, 100] } },
    ];
    const requests = Array.from({ length: 200 }, (_, i) => req({ method: i % 3 ? 'POST' : 'GET' }));
    const run = (engine: FaultEngine) =>
      requests.map((r) => engine.select(r)).map((d) => [d?.name, d?.delayMs]);
    const first = run(engineWith(rules, 1, 77));
    expect(run(engineWith(rules, 999, 77))).toEqual(first);
    expect(run(engineWith(rules, 1, 78))).not.toEqual(first);
  });

  it("uses the engine's seed when the scenario has none", () => {
    const rules: FaultRule[] = [{ name: 'p', drop: 'reset', probability: 0.5 }];
    const requests = Array.from({ length: 64 }, () => req());
    expect(names(engineWith(rules, 5), requests)).toEqual(names(engineWith(rules, 5), requests));
    expect(names(engineWith(rules, 5), requests)).not.toEqual(names(engineWith(rules, 6), requests));
  });

  it("does not change one rule's draws when another rule is added before it", () => {
    const later: FaultRule = { name: 'later', when: { method: 'GET' }, drop: 'reset', probability: 0.5 };
    const requests = Array.from({ length: 64 }, () => req({ method: 'GET' }));
    const alone = names(engineWith([later], 3), requests);
    const withOther = names(
      engineWith([{ name: 'other', when: { method: 'PUT' }, drop: 'empty' }, later], 3),
      requests,
    );
    expect(withOther).toEqual(alone);
  });

  it('describes what it decided', () => {
    const engine = engineWith([
      {
        name: 'slow-then-duplicate',
        when: { method: 'POST', path: '/Appointment' },
        delay: { fixed: 1500 },
        error: { status: 422, code: 'DUPLICATE_REJECTED', diagnostics: 'Slot taken' },
        times: 2,
      },
    ]);
    expect(engine.select(req())).toEqual<FaultDecision>({
      name: 'slow-then-duplicate',
      delayMs: 1500,
      action: {
        kind: 'error',
        ssp: false,
        status: 422,
        code: 'DUPLICATE_REJECTED',
        diagnostics: 'Slot taken',
      },
      after: false,
      explain: 'POST /Appointment: wait 1500 ms, then 422 DUPLICATE_REJECTED; 1 of 2 uses left',
    });
  });

  it('leaves a Spine error status to the profile and fills SSP displays', () => {
    const engine = engineWith([
      { name: 'dup', when: { method: 'POST' }, error: { code: 'DUPLICATE_REJECTED' } },
      { name: 'ssp', error: { ssp: true, status: 504 } },
    ]);
    const dup = engine.select(req())!.action;
    expect(dup).toMatchObject({ kind: 'error', ssp: false, code: 'DUPLICATE_REJECTED' });
    expect(dup).not.toHaveProperty('status');
    expect(engine.select(req({ method: 'GET' }))!.action).toEqual({
      kind: 'error',
      ssp: true,
      status: 504,
      code: '504',
      display: 'TIMEOUT_COMMUNICATING_TO_ENDPOINT_URL',
      diagnostics: 'TIMEOUT_COMMUNICATING_TO_ENDPOINT_URL',
    });
  });

  it.each([
    [{ drop: 'hang' } as const, { kind: 'drop', mode: 'hang' }],
    [{ steal: true }, { kind: 'steal' }],
    [{ emptyBundle: true }, { kind: 'empty-bundle' }],
    [{ delay: { fixed: 5 } }, { kind: 'delay-only' }],
  ])('turns %j into the action %j', (action, expected) => {
    expect(engineWith([{ name: 'x', ...action }]).select(req())?.action).toEqual(expected);
  });

  it('marks after: true rules', () => {
    expect(engineWith([{ name: 'x', after: true, drop: 'reset' }]).select(req())?.after).toBe(true);
  });
});

describe('when', () => {
  const cases: Array<[string, FaultRule['when'], Partial<FaultRequest>, boolean]> = [
    ['method is case-insensitive in the request', { method: 'POST' }, { method: 'post' }, true],
    ['a * matches one segment', { path: '/Appointment/*' }, { path: '/Appointment/12' }, true],
    ['a * does not match two segments', { path: '/Appointment/*' }, { path: '/Appointment/12/x' }, false],
    ['a * does not match none', { path: '/Appointment/*' }, { path: '/Appointment' }, false],
    ['a * in the middle', { path: '/Patient/*/Appointment' }, { path: '/Patient/3/Appointment' }, true],
    ['paths are case-sensitive', { path: '/appointment' }, { path: '/Appointment' }, false],
    ['a query string is ignored', { path: '/Slot' }, { path: '/Slot?status=free' }, true],
    ['interaction by full URN', { interaction: URN }, {}, true],
    ['interaction by rest: suffix', { interaction: 'rest:create:appointment-1' }, {}, true],
    ['interaction by short suffix', { interaction: 'create:appointment-1' }, {}, true],
    ['interaction differs', { interaction: 'cancel:appointment-1' }, {}, false],
    [
      'interaction suffix against a suffix header',
      { interaction: URN },
      { interaction: 'rest:create:appointment-1' },
      true,
    ],
    ['no interaction sent', { interaction: 'create:appointment-1' }, { interaction: undefined }, false],
    ['header name is case-insensitive', { header: { 'X-Run': 'a' } }, { headers: { 'x-run': 'a' } }, true],
    ['header value is exact', { header: { 'x-run': 'a' } }, { headers: { 'x-run': 'A' } }, false],
    [
      'a repeated header matches any value',
      { header: { 'x-run': 'b' } },
      { headers: { 'x-run': ['a', 'b'] } },
      true,
    ],
    ['a missing header', { header: { 'x-run': 'a' } }, {}, false],
    ['patient', { patient: '7' }, { patientId: '7' }, true],
    ['another patient', { patient: '7' }, { patientId: '8' }, false],
    ['slot among several', { slot: 's2' }, { slotIds: ['s1', 's2'] }, true],
    ['slot not referenced', { slot: 's3' }, { slotIds: ['s1'] }, false],
    ['NHS number', { nhsNumber: '9434765919' }, { nhsNumber: '943 476 5919' }, true],
    ['all conditions must hold', { method: 'GET', path: '/Appointment' }, {}, false],
  ];
  it.each(cases)('%s', (_title, when, overrides, matches) => {
    expect(whyNot(when, req(overrides)) === null).toBe(matches);
  });
});

describe('FaultEngine state', () => {
  it('lists live rules with their sentence, uses left and source, and drops exhausted ones', () => {
    const engine = engineWith([{ name: 'once', drop: 'reset', times: 1 }]);
    engine.arm({ name: 'admin', when: { method: 'GET' }, drop: 'empty', times: 2 });
    expect(engine.list()).toEqual([
      {
        name: 'admin',
        when: { method: 'GET' },
        drop: 'empty',
        times: 2,
        explain: 'GET (any path): close the connection without a response; 2 of 2 uses left',
        remaining: 2,
        source: 'admin',
      },
      {
        name: 'once',
        drop: 'reset',
        times: 1,
        explain: 'Any request: reset the connection (TCP RST); 1 of 1 use left',
        remaining: 1,
        source: 'scenario',
      },
    ]);
    engine.select(req());
    expect(engine.list().map((r) => r.name)).toEqual(['admin']);
  });

  it('replaces an admin rule armed again under the same name, and shadows a scenario rule', () => {
    const engine = engineWith([{ name: 'x', drop: 'reset' }]);
    engine.arm({ name: 'x', drop: 'empty' });
    engine.arm({ name: 'x', drop: 'hang' });
    expect(engine.list().map((r) => [r.name, r.drop, r.source])).toEqual([['x', 'hang', 'admin']]);
  });

  it('disarms one rule by name, or all', () => {
    const engine = engineWith([{ name: 's', drop: 'reset' }]);
    engine.arm({ name: 'a', drop: 'empty' });
    expect(engine.disarm('s')).toBe(true);
    expect(engine.disarm('nope')).toBe(false);
    expect(engine.list().map((r) => r.name)).toEqual(['a']);
    engine.disarmAll();
    expect(engine.list()).toEqual([]);
    expect(engine.select(req())).toBeUndefined();
  });

  it("resets to the scenario's rules with fresh counters and generators", () => {
    const engine = engineWith([{ name: 'p', drop: 'reset', probability: 0.5, times: 3 }], 1, 11);
    const requests = Array.from({ length: 20 }, () => req());
    const first = names(engine, requests);
    engine.arm({ name: 'admin', drop: 'empty' });
    engine.reset();
    expect(engine.list().map((r) => [r.name, r.remaining])).toEqual([['p', 3]]);
    expect(names(engine, requests)).toEqual(first);
  });

  it('clones the scenario with fresh state and without admin rules', () => {
    const engine = engineWith([{ name: 'r', drop: 'reset', times: 1 }]);
    engine.arm({ name: 'admin', when: { method: 'PUT' }, drop: 'empty' });
    engine.select(req());
    const copy = engine.clone();
    expect(copy.scenarioName).toBe('test');
    expect(copy.list().map((r) => [r.name, r.remaining])).toEqual([['r', 1]]);
    expect(copy.select(req())?.name).toBe('r');
    expect(engine.select(req())).toBeUndefined();
  });

  it('switches scenario, keeping admin rules', () => {
    const engine = engineWith([{ name: 'old', drop: 'reset' }]);
    engine.arm({ name: 'admin', when: { method: 'GET' }, drop: 'empty' });
    engine.setScenario('next', { description: 'n', rules: [{ name: 'new', drop: 'hang' }] });
    expect(engine.list().map((r) => r.name)).toEqual(['admin', 'new']);
    engine.setScenario(null);
    expect(engine.scenarioName).toBeNull();
    expect(engine.list().map((r) => r.name)).toEqual(['admin']);
  });
});

describe('one-off faults', () => {
  it('apply when `when` holds, without touching the armed rules', () => {
    const engine = engineWith([{ name: 'armed', drop: 'reset', times: 1 }]);
    const rule: FaultRule = { name: 'x-sandbox-fault', when: { method: 'POST' }, drop: 'empty' };
    expect(engine.oneOff(rule, req())?.action).toEqual({ kind: 'drop', mode: 'empty' });
    expect(engine.oneOff(rule, req({ method: 'GET' }))).toBeUndefined();
    expect(engine.list().map((r) => r.remaining)).toEqual([1]);
    expect(FaultEngine.once(rule, 1, req())?.name).toBe('x-sandbox-fault');
  });

  it('are reproducible from the seed', () => {
    const rule: FaultRule = { name: 'p', delay: { uniform: [0, 10_000] } };
    expect(FaultEngine.once(rule, 4, req())?.delayMs).toBe(FaultEngine.once(rule, 4, req())?.delayMs);
  });
});
