import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { looksLikeScenario, parseScenario } from '../faults/rule.js';
import { parseJson } from '../seeding/seed-files.js';
import { formatProblem, looksLikeSeedFile, validateSeedFile } from '../seeding/seed-schema.js';

/** Seed and scenario files, told apart by content; one line per problem, exit 2 if any. */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check seed or scenario files (told apart by content)')
    .argument('<files...>', 'JSON files')
    .action((files: string[]) => {
      let failed = false;
      for (const file of files) {
        const problems = validateFile(file);
        if (problems.length === 0) process.stdout.write(`${file}: ok\n`);
        for (const line of problems) process.stderr.write(`${line}\n`);
        failed ||= problems.length > 0;
      }
      if (failed) process.exit(2);
    });
}

function validateFile(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return [`${file}: cannot read the file (${(error as NodeJS.ErrnoException).code})`];
  }
  const read = parseJson(text);
  if ('error' in read) return [`${file}: ${read.error}`];
  const json = read.value;
  const seedKind = looksLikeSeedFile(json);
  if (seedKind)
    return validateSeedFile(seedKind === basename(file) ? file : seedKind, json).map((p) =>
      formatProblem({ ...p, file }),
    );
  if (looksLikeScenario(json)) {
    const result = parseScenario(file, json);
    return 'problems' in result ? [result.message] : [];
  }
  return [
    `${file}: neither a seed file (organizations, locations, practitioners, schedules, patients, seed.json) nor a scenario (an object with "rules")`,
  ];
}
