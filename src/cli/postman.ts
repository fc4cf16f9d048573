import type { Command } from 'commander';
import { normaliseBasePath } from '../config.js';
import { postmanCollection } from '../postman/collection.js';

export function registerPostman(program: Command): void {
  program
    .command('postman')
    .description(
      'print a Postman collection (v2.1) of the whole consumer flow, with a fresh GP Connect envelope per request',
    )
    .option('--base-path <path>', 'the FHIR base path the sandbox serves (start --base-path)', '')
    .action((flags: { basePath: string }) => {
      const collection = postmanCollection({ basePath: normaliseBasePath(flags.basePath) });
      process.stdout.write(`${JSON.stringify(collection, null, 2)}\n`);
    });
}
