import { SandboxError } from '../domain/sandbox-error.js';

/** Bad input to an admin or API call: the message says what is wrong, `field` which field. */
export class InputError extends SandboxError {
  constructor(
    message: string,
    readonly field?: string,
    readonly status = 400,
  ) {
    super('InputError', message);
  }
}
