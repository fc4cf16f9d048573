import type { Command } from 'commander';
import { fail } from './output.js';
import { integer } from './parse.js';

export function registerSeed(program: Command): void {
  program
    .command('seed')
    .description('write a generated seed (faker, en_GB): the same arguments give byte-identical files')
    .requiredOption('--out <dir>', 'directory to write the seed files into')
    .option('--random-seed <n>', 'generator seed', integer('--random-seed', 0, 2 ** 31 - 1), 42)
    .option('--patients <n>', 'patients', integer('--patients', 1, 100_000), 50)
    .option(
      '--practitioners <n>',
      'practitioners (one schedule each)',
      integer('--practitioners', 1, 1000),
      5,
    )
    .option('--days <n>', 'days of slots from the sandbox clock', integer('--days', 1, 366), 28)
    .action(
      async (flags: {
        out: string;
        randomSeed: number;
        patients: number;
        practitioners: number;
        days: number;
      }) => {
        try {
          // Faker is loaded only here: the server never needs it.
          const { generateSeed, writeSeed } = await import('../seeding/generator.js');
          const files = generateSeed({
            randomSeed: flags.randomSeed,
            patients: flags.patients,
            practitioners: flags.practitioners,
            days: flags.days,
          });
          writeSeed(flags.out, files);
          // Check what was written, and stamp it so `start --seed` can skip the check next time.
          const { loadSeed } = await import('../seeding/loader.js');
          const { writeSeedStamp } = await import('../seeding/seed-files.js');
          loadSeed(flags.out);
          writeSeedStamp(flags.out);
          process.stdout.write(`wrote ${Object.keys(files).length} seed files to ${flags.out}\n`);
        } catch (error) {
          fail(error);
        }
      },
    );
}
