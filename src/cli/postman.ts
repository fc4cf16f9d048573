import { type Command, Option } from 'commander';
import { resolveBasePath } from '../config-schema.js';
import { PROFILE_NAMES, type ProfileName } from '../profiles/index.js';
import { asFlagError } from './start.js';

export function registerPostman(program: Command): void {
  program
    .command('postman')
    .description(
      'print a Postman collection (v2.1) of the whole consumer flow, with a fresh GP Connect envelope per request',
    )
    .option('--base-path <path>', 'the FHIR base path the sandbox serves (start --base-path)', '')
    .addOption(
      new Option(
        '--profile <name>',
        'the spec profile the sandbox runs (start --profile); the metadata request fails on another (default: whichever it runs)',
      ).choices(PROFILE_NAMES),
    )
    .action(async (flags: { basePath: string; profile?: ProfileName }) => {
      let basePath: string;
      try {
        basePath = resolveBasePath(flags.basePath);
      } catch (error) {
        throw asFlagError(error);
      }
      // Loaded here, not by every `gpc-sandbox start` (time to ready, bench/README.md).
      const { postmanCollection } = await import('../postman/collection.js');
      const collection = postmanCollection({
        basePath,
        ...(flags.profile ? { profile: flags.profile } : {}),
      });
      process.stdout.write(`${JSON.stringify(collection, null, 2)}\n`);
    });
}
