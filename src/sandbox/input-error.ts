/** Bad input to an admin or API call: the message says what is wrong, `field` which field. */
export class InputError extends Error {
  constructor(
    message: string,
    readonly field?: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'InputError';
  }
}
