import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { resolveOptions } from '../../src/config-schema.js';
import { runCli } from '../helpers/cli.js';
import { BAD_OPTIONS } from '../helpers/option-cases.js';

/** The library's refusal of the same value: the CLI prints it with the flag's name, or as is. */
function libraryMessage(options: Record<string, unknown>, flag: string): string {
  try {
    resolveOptions(options);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problem ? `${flag} ${error.problem}` : error.message;
  }
  throw new Error(`the library accepted ${JSON.stringify(options)}`);
}

describe('gpc-sandbox start refuses what the library refuses, with the same words (issue 15 §4)', () => {
  it.concurrent.each(BAD_OPTIONS.filter((c) => c.cli))(
    'exit 2 for $cli, naming $flag',
    async ({ cli, flag, options }) => {
      const result = await runCli(['start', '--port', '0', ...cli!]);
      expect(result.code).toBe(2);
      expect(result.stdout).not.toContain('listening');
      expect(result.stderr).toBe(`gpc-sandbox: ${libraryMessage(options, flag!)}\n`);
      expect(result.stderr).toContain(flag);
    },
  );
});
