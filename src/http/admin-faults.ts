import type { Router } from 'express';
import type { Application } from '../application/application.js';
import { MAGIC_OUTCOMES } from '../faults/magic-patients.js';
import { parseRule, type Scenario } from '../faults/rule.js';
import { listBundledScenarios, loadScenario, ScenarioError } from '../faults/scenarios.js';
import { AdminError } from './admin-errors.js';
import { adminSchemas, parseAdminInput } from './admin-schemas.js';
import { noStore, worldOf } from './admin-world.js';

/**
 * Scenarios and fault rules: GET /_admin/scenarios, PUT /_admin/scenario, GET/POST/DELETE
 * /_admin/faults[/{name}]. Without X-Sandbox-Session they act on the default state (and a scenario
 * switch reaches every session); with it, on that session alone.
 */
export function faultRoutes(router: Router, core: Application): void {
  router.get('/scenarios', async (req, res) => {
    const world = await worldOf(core, req);
    const active = world.faults.scenarioName;
    const scenarios = listBundledScenarios().map((s) => ({ ...s, active: s.name === active }));
    if (active !== null && !scenarios.some((s) => s.name === active)) {
      scenarios.push({ name: active, description: world.faults.scenario?.description ?? '', active: true });
    }
    const patients = [...core.seed.patients, ...world.state.fixturePatients.values()];
    const magicPatients = patients
      .filter((p) => p.magic !== undefined)
      .map((p) => ({
        id: p.id,
        nhsNumber: p.nhsNumber,
        outcome: MAGIC_OUTCOMES[p.magic!]?.outcome ?? `unknown outcome "${p.magic}"`,
      }));
    noStore(res).json({ scenarios, magicPatients });
  });

  router.put('/scenario', async (req, res) => {
    const world = await worldOf(core, req);
    const { name } = parseAdminInput(adminSchemas().scenarioBody, req.body);
    const scenario = name === null ? undefined : resolveScenario(core, name);
    if (req.headers['x-sandbox-session'] === undefined) await core.setScenario(name, scenario);
    else await core.setWorldScenario(world, name, scenario);
    noStore(res).json({ scenario: world.faults.scenarioName, faults: world.faults.list() });
  });

  router.get('/faults', async (req, res) => {
    noStore(res).json((await worldOf(core, req)).faults.list());
  });

  router.post('/faults', async (req, res) => {
    const world = await worldOf(core, req);
    const parsed = parseRule(req.body, 'rule');
    if ('problems' in parsed) throw new AdminError(400, parsed.message, parsed.problems[0]?.field || 'body');
    await core.armFault(world, parsed.rule);
    const listed = world.faults.list().find((r) => r.name === parsed.rule.name);
    noStore(res)
      .status(201)
      .json(listed ?? { ...parsed.rule, explain: 'exhausted', remaining: 0 });
  });

  router.delete('/faults/:name', async (req, res) => {
    const world = await worldOf(core, req);
    const name = req.params['name'] as string;
    if (!(await core.disarmFault(world, name))) {
      const armed = world.faults.list().map((r) => r.name);
      throw new AdminError(
        404,
        `No armed rule is named "${name}"; armed: ${armed.length ? armed.join(', ') : 'none'}`,
        'name',
      );
    }
    noStore(res).json({ disarmed: [name] });
  });

  router.delete('/faults', async (req, res) => {
    const world = await worldOf(core, req);
    const names = await core.disarmAllFaults(world);
    noStore(res).json({ disarmed: names });
  });
}

/** A bundled scenario by name, or the file the sandbox was started with (by its name); never another path. */
function resolveScenario(core: Application, name: string): Scenario {
  try {
    if (core.config.scenario && loadedName(core.config.scenario) === name)
      return loadScenario(core.config.scenario).scenario;
    if (/[/\\]|\.json$/.test(name)) {
      throw new AdminError(
        400,
        'name a bundled scenario (GET /_admin/scenarios), not a file: start with --scenario FILE for your own',
        'name',
      );
    }
    return loadScenario(name).scenario;
  } catch (error) {
    if (error instanceof ScenarioError) throw new AdminError(400, error.message, 'name');
    throw error;
  }
}

function loadedName(nameOrFile: string): string {
  return nameOrFile.replace(/^.*[/\\]/, '').replace(/\.json$/, '');
}
