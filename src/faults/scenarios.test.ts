import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FaultEngine } from './engine.js';
import { isMagicOutcome, MAGIC_OUTCOMES } from './magic-patients.js';
import { parseRule } from './rule.js';
import { bundledScenariosDir, listBundledScenarios, loadScenario, ScenarioError } from './scenarios.js';

const EXPECTED = [
  'duplicate-storm',
  'flaky-network',
  'no-slots',
  'practice-switched-off',
  'response-lost',
  'slot-race',
  'slow-provider',
  'spine-outage',
];

function tempFile(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gpc-scenario-'));
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

describe('bundled scenarios', () => {
  it("live in the package's own scenarios/ directory", () => {
    expect(bundledScenariosDir()).toMatch(/scenarios[\\/]$/);
  });

  it('are all listed, each with a description', () => {
    const list = listBundledScenarios();
    expect(list.map((s) => s.name)).toEqual(EXPECTED);
    for (const s of list) expect(s.description.length).toBeGreaterThan(20);
  });

  it.each(EXPECTED)('%s parses and every rule explains itself', (name) => {
    const { scenario } = loadScenario(name);
    expect(scenario.rules.length).toBeGreaterThan(0);
    const engine = new FaultEngine({ randomSeed: 1 });
    engine.setScenario(name, scenario);
    for (const listed of engine.list()) expect(listed.explain).toMatch(/: /);
  });

  it('make the Spine outage answer with the proxy error shapes', () => {
    const engine = new FaultEngine({ randomSeed: 1 });
    engine.setScenario('spine-outage', loadScenario('spine-outage').scenario);
    const statuses = new Set<number | undefined>();
    for (let i = 0; i < 50; i++) {
      const d = engine.select({ method: 'POST', path: '/Appointment', headers: {} });
      if (d?.action.kind === 'error' && d.action.ssp) statuses.add(d.action.status);
    }
    expect(statuses).toEqual(new Set([502, 504]));
    const unrouted = engine.select({
      method: 'GET',
      path: '/HealthcareService',
      interaction: 'urn:nhs:names:services:gpconnect:fhir:rest:search:healthcareservice-1',
      headers: {},
    });
    expect(unrouted?.action).toMatchObject({ kind: 'error', ssp: true, status: 415 });
  });
});

describe('loadScenario', () => {
  it('refuses an unknown name, listing the bundled ones', () => {
    expect(() => loadScenario('nope')).toThrow(
      /^unknown scenario "nope"; bundled: duplicate-storm, flaky-network/,
    );
  });

  it('reads a file path and names the scenario after the file', () => {
    const file = tempFile(
      'mine.json',
      JSON.stringify({ description: 'mine', rules: [{ name: 'r', drop: 'reset' }] }),
    );
    expect(loadScenario(file)).toEqual({
      name: 'mine',
      scenario: { description: 'mine', rules: [{ name: 'r', drop: 'reset' }] },
    });
  });

  it('refuses a bad file with one line naming the file, the rule and the field', () => {
    const file = tempFile(
      'bad.json',
      JSON.stringify({ description: 'b', rules: [{ name: 'slow', delay: { uniform: [5, 1] } }] }),
    );
    let error: unknown;
    try {
      loadScenario(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as ScenarioError).message).toBe(
      `${file}: rules[0] "slow": delay.uniform: expected [min, max] with min <= max`,
    );
    expect((error as ScenarioError).problems).toEqual([
      { rule: 'rules[0] "slow"', field: 'delay.uniform', message: 'expected [min, max] with min <= max' },
    ]);
  });

  it('refuses a file that is not JSON, or missing', () => {
    const file = tempFile('broken.json', '{ "description": ');
    expect(() => loadScenario(file)).toThrow(
      new RegExp(`^${file.replace(/[.\\]/g, '\\$&')}: not valid JSON`),
    );
    expect(() => loadScenario('./missing.json')).toThrow(
      './missing.json: cannot read the scenario file (ENOENT)',
    );
  });
});

describe('magic patients', () => {
  it.each(Object.entries(MAGIC_OUTCOMES))(
    '%s has a valid booking rule and an outcome sentence',
    (key, magic) => {
      expect(isMagicOutcome(key)).toBe(true);
      expect(parseRule(magic.rule)).toEqual({ rule: magic.rule });
      expect(magic.rule.when).toEqual({ method: 'POST', path: '/Appointment' });
      expect(magic.outcome).toMatch(/\.$/);
    },
  );

  it('cover duplicate, server error, slow and access denied', () => {
    const book = { method: 'POST', path: '/Appointment', headers: {} };
    const action = (key: string) => FaultEngine.once(MAGIC_OUTCOMES[key]!.rule, 1, book);
    expect(action('duplicate')?.action).toMatchObject({ kind: 'error', code: 'DUPLICATE_REJECTED' });
    expect(action('server-error')?.action).toMatchObject({
      kind: 'error',
      status: 500,
      code: 'INTERNAL_SERVER_ERROR',
    });
    expect(action('slow')).toMatchObject({ delayMs: 5000, action: { kind: 'delay-only' } });
    expect(action('access-denied')?.action).toMatchObject({
      kind: 'error',
      status: 403,
      code: 'ACCESS DENIED',
    });
    expect(isMagicOutcome('toString')).toBe(false);
  });
});
