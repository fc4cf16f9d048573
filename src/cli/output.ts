import type { Logger } from '../config.js';

/** Errors a user can act on print one line and exit 2; anything else is a bug, with its stack. */
const USER_ERRORS = new Set([
  'ConfigError',
  'SeedError',
  'ScenarioError',
  'StoreError',
  'InputError',
  'InvalidArgumentError',
]);

export function fail(error: unknown): never {
  const e = error as Error;
  if (USER_ERRORS.has(e?.name)) {
    process.stderr.write(`gpc-sandbox: ${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`gpc-sandbox: unexpected error: ${e?.stack ?? String(error)}\n`);
  process.exit(1);
}

export function stderrLogger(format: 'text' | 'json'): Logger {
  return (level, message, fields) => {
    if (format === 'json') {
      process.stderr.write(
        `${JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields })}\n`,
      );
    } else {
      process.stderr.write(`${new Date().toISOString()} ${level.padEnd(5)} ${message}\n`);
    }
  };
}
