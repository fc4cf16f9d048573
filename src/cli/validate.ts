import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { looksLikeScenario, parseScenario } from '../faults/rule.js';
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
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return [`${file}: ${e.code ? `cannot read the file (${e.code})` : `not valid JSON (${e.message})`}`];
  }
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
