#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerHeaders } from './headers.js';
import { fail } from './output.js';
import { registerPostman } from './postman.js';
import { registerScenarios } from './scenarios.js';
import { registerSeed } from './seed.js';
import { registerStart } from './start.js';
import { registerValidate } from './validate.js';

/** The CLI is the only place that reads argv and env, prints, or exits. */
const program = new Command('gpc-sandbox')
  .description('A mock GP Connect / NHS booking provider: seeded data, spec-true booking, faults on purpose.')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerStart(program);
registerSeed(program);
registerValidate(program);
registerScenarios(program);
registerHeaders(program);
registerPostman(program);

// No top-level await: the single executable bundles this file as CommonJS (scripts/bundle.mjs).
program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) {
    // Help and version are not errors; a bad flag or argument exits 2, as PRODUCT.md asks.
    process.exit(error.exitCode === 0 ? 0 : 2);
  }
  fail(error);
});
