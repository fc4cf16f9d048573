import type { Logger } from '../config.js';
import { ERROR_CATALOGUE, type SandboxErrorName } from '../domain/sandbox-error.js';

/** The exit code of an error: its catalogue entry's (domain/sandbox-error.ts); commander's argument errors are 2. */
function exitCodeOf(error: Error | undefined): 1 | 2 {
  const name = error?.name;
  if (name === 'InvalidArgumentError') return 2;
  // By name, not instanceof: the CommonJS bundle holds its own copies of the classes.
  return name !== undefined && Object.hasOwn(ERROR_CATALOGUE, name)
    ? ERROR_CATALOGUE[name as SandboxErrorName].exitCode
    : 1;
}

/** Errors a user can act on print one line and exit 2; anything else is a bug, with its stack. */
export function fail(error: unknown): never {
  const e = error as Error;
  if (exitCodeOf(e) === 2) {
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
