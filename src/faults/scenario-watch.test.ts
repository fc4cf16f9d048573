import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSandbox } from '../index.js';
import { coreOf } from '../testing.js';
import type { Scenario } from './rule.js';
import { type ScenarioWatcher, watchScenarios } from './scenario-watch.js';
import { loadScenario } from './scenarios.js';

const rule = (name: string) => ({ name, when: { path: '/metadata' }, error: { code: 'BAD_REQUEST' } });
const scenarioText = (...names: string[]) =>
  JSON.stringify({ description: 'test rules', rules: names.map(rule) });

let watcher: ScenarioWatcher | undefined;
let dir: string;
afterEach(() => {
  watcher?.close();
  watcher = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function start(active: string[]) {
  dir = mkdtempSync(join(tmpdir(), 'gpc-watch-unit-'));
  const file = join(dir, 'mine.json');
  writeFileSync(file, scenarioText('a'));
  const reloads: Array<{ name: string; rules: string[] }> = [];
  const logs: Array<{ level: string; message: string }> = [];
  watcher = watchScenarios({
    startedWith: file,
    activeNames: () => new Set(active),
    reload: (name: string, scenario: Scenario) =>
      reloads.push({ name, rules: scenario.rules.map((r) => r.name) }),
    log: (level, message) => logs.push({ level, message }),
    debounceMs: 20,
  });
  return { file, reloads, logs };
}

describe('watchScenarios', () => {
  it('watches the folder of the started file and the bundled scenarios folder', () => {
    start(['mine']);
    expect(watcher!.folders).toHaveLength(2);
    expect(watcher!.folders).toContain(dir);
  });

  it('hands over the rules of an edited active file once, however many events the save makes', async () => {
    const { file, reloads } = start(['mine']);
    writeFileSync(file, scenarioText('b'));
    writeFileSync(file, scenarioText('b', 'c'));
    await until(() => reloads.length > 0, 'a reload');
    await new Promise((r) => setTimeout(r, 100));
    expect(reloads).toEqual([{ name: 'mine', rules: ['b', 'c'] }]);
  });

  it('ignores a save that leaves the bytes as they were', async () => {
    const { file, reloads, logs } = start(['mine']);
    writeFileSync(file, scenarioText('a'));
    writeFileSync(join(dir, 'marker.json'), scenarioText('x'));
    await until(() => logs.some((l) => l.message.includes('marker.json')), 'the marker event');
    expect(reloads).toEqual([]);
  });

  it('reports a deleted active file and keeps what is armed', async () => {
    const { file, reloads, logs } = start(['mine']);
    unlinkSync(file);
    await until(() => logs.length > 0, 'a report');
    expect(logs[0]).toEqual({
      level: 'warn',
      message: expect.stringMatching(/mine\.json: cannot read the scenario file \(ENOENT\).*stay armed/),
    });
    expect(reloads).toEqual([]);
  });

  it('reports a broken file of the folder that is not active, and reloads nothing', async () => {
    const { reloads, logs } = start(['mine']);
    writeFileSync(join(dir, 'other.json'), '{"rules": 3}');
    await until(() => logs.length > 0, 'a report');
    expect(logs[0]!.level).toBe('warn');
    expect(logs[0]!.message).toMatch(/other\.json.*rules/);
    expect(reloads).toEqual([]);
  });

  it('does not reload a file whose scenario is not active', async () => {
    const { file, reloads, logs } = start([]);
    writeFileSync(file, scenarioText('b'));
    await until(() => logs.length > 0, 'a report');
    expect(logs[0]).toEqual({ level: 'info', message: expect.stringMatching(/is not active/) });
    expect(reloads).toEqual([]);
  });
});

describe('SandboxCore.reloadScenario', () => {
  it('replaces the scenario rules wherever that scenario is active, keeping admin rules and other scenarios', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gpc-reload-'));
    const file = join(dir, 'mine.json');
    writeFileSync(file, scenarioText('a'));
    const sandbox = createSandbox({ scenario: file });
    const core = coreOf(sandbox);
    const names = (id?: string) =>
      core
        .world(id)
        .faults.list()
        .map((r) => `${r.source}:${r.name}`);
    core.defaultWorld.faults.arm({ name: 'admin-rule', when: { path: '/Slot' }, emptyBundle: true });
    core.world('same').faults.list();
    core.world('other').faults.setScenario('no-slots', loadScenario('no-slots').scenario);

    expect(core.activeScenarioNames()).toEqual(new Set(['mine', 'no-slots']));
    await core.reloadScenario('mine', { description: 'new', rules: [rule('b') as never] });

    expect(names()).toEqual(['admin:admin-rule', 'scenario:b']);
    expect(names('same')).toEqual(['scenario:b']);
    expect(names('other')).toEqual(['scenario:no-free-slots']);
    expect(names('new-session')).toEqual(['scenario:b']);
    await sandbox.close();
  });
});
