import type { Command } from 'commander';
import { MAGIC_OUTCOMES } from '../faults/magic-patients.js';
import { listBundledScenarios } from '../faults/scenarios.js';
import { bundledSeedDir, loadSeed } from '../seeding/loader.js';

export function registerScenarios(program: Command): void {
  program
    .command('scenarios')
    .description('list the bundled scenarios and the magic patients')
    .action(() => {
      process.stdout.write('Scenarios (gpc-sandbox start --scenario NAME):\n');
      for (const s of listBundledScenarios())
        process.stdout.write(`  ${s.name.padEnd(24)} ${s.description}\n`);
      process.stdout.write('\nMagic patients (their bookings always meet one outcome):\n');
      for (const p of loadSeed(bundledSeedDir()).patients) {
        if (!p.magic) continue;
        const outcome = MAGIC_OUTCOMES[p.magic]?.outcome ?? p.magic;
        process.stdout.write(
          `  Patient/${p.id.padEnd(6)} NHS ${p.nhsNumber}  ${p.name.given.join(' ')} ${p.name.family}: ${outcome}\n`,
        );
      }
    });
}
