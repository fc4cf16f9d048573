/**
 * Scenario files: the bundled ones in the package's own scenarios/ (wherever it is installed, not
 * the working directory) and any file a user names. A bad file is refused with one line naming the
 * file, the rule and the field.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SandboxError } from '../domain/sandbox-error.js';
import { parseJson } from '../seeding/seed-files.js';
import { parseScenario, type Scenario, type ScenarioProblem } from './rule.js';

export class ScenarioError extends SandboxError {
  readonly file: string;
  /** Empty when the file could not be read or parsed as JSON. */
  readonly problems: ScenarioProblem[];

  constructor(message: string, file: string, problems: ScenarioProblem[] = []) {
    super('ScenarioError', message);
    this.file = file;
    this.problems = problems;
  }
}

/** src/faults/ and dist/faults/ are both two levels below the package root. */
export function bundledScenariosDir(): string {
  return fileURLToPath(new URL('../../scenarios/', import.meta.url));
}

function bundledNames(): string[] {
  return readdirSync(bundledScenariosDir())
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** A --scenario argument ending .json or containing a slash is a file path, else a bundled name. */
export function isFileArgument(nameOrFile: string): boolean {
  return nameOrFile.endsWith('.json') || nameOrFile.includes('/') || nameOrFile.includes('\\');
}

/** Read and validate one scenario file; `label` is how messages name it. */
export function readScenarioFile(path: string, label = path): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new ScenarioError(`${label}: cannot read the scenario file (${code})`, label);
  }
  const read = parseJson(text);
  if ('error' in read) throw new ScenarioError(`${label}: ${read.error}`, label);
  const parsed = parseScenario(label, read.value);
  if ('problems' in parsed) throw new ScenarioError(parsed.message, label, parsed.problems);
  return parsed.scenario;
}

/**
 * A name resolves in the bundled scenarios/; a path (ending .json or containing a slash) is a file,
 * relative to the working directory. Its name is the file's base name without .json.
 */
export function loadScenario(nameOrFile: string): { name: string; scenario: Scenario } {
  if (isFileArgument(nameOrFile)) {
    return { name: basename(nameOrFile, '.json'), scenario: readScenarioFile(nameOrFile) };
  }
  const names = bundledNames();
  if (!names.includes(nameOrFile)) {
    throw new ScenarioError(
      `unknown scenario "${nameOrFile}"; bundled: ${names.join(', ')} (or give a path to a .json file)`,
      nameOrFile,
    );
  }
  const file = join(bundledScenariosDir(), `${nameOrFile}.json`);
  return { name: nameOrFile, scenario: readScenarioFile(file, `scenarios/${nameOrFile}.json`) };
}

export function listBundledScenarios(): Array<{ name: string; description: string }> {
  return bundledNames().map((name) => ({ name, description: loadScenario(name).scenario.description }));
}
