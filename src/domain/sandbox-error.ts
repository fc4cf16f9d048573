/**
 * The one error base class and its catalogue. Every error the sandbox raises on purpose is a
 * SandboxError whose `entry` says what kind of failure it is and how each surface renders it: the
 * CLI's exit code when it ends a command, and the HTTP status an answer takes unless the error
 * carries its own (AdminError, InputError and SpineError do; the FHIR status of a Spine code comes
 * from fhir/operation-outcome.ts and the profile). Messages stay the classes' own.
 */
export interface ErrorCatalogueEntry {
  /** What the error stands for, in a few words. */
  summary: string;
  /**
   * The CLI's exit code when it ends a command: 2 for a problem the user can act on (one line, no
   * stack), 1 for one that should never reach the CLI (it prints the stack: a bug).
   */
  exitCode: 1 | 2;
  /** The HTTP status when it answers a request and carries none of its own. */
  httpStatus: number;
}

export const ERROR_CATALOGUE = {
  ConfigError: {
    summary: 'a bad option or flag, or a server that cannot start with them',
    exitCode: 2,
    httpStatus: 400,
  },
  InputError: {
    summary: 'bad input to an admin or library call, naming the field',
    exitCode: 2,
    httpStatus: 400,
  },
  SeedError: { summary: 'a seed that cannot be used', exitCode: 2, httpStatus: 400 },
  ScenarioError: { summary: 'a fault scenario file that cannot be used', exitCode: 2, httpStatus: 400 },
  StoreError: {
    summary: 'state that cannot be read from or written to the store',
    exitCode: 2,
    httpStatus: 500,
  },
  AdminError: { summary: 'an admin API request refused, naming the field', exitCode: 1, httpStatus: 400 },
  SpineError: { summary: 'a FHIR request refused with a Spine error code', exitCode: 1, httpStatus: 400 },
  DomainError: { summary: 'a booking or appointment rule broken', exitCode: 1, httpStatus: 422 },
} as const satisfies Record<string, ErrorCatalogueEntry>;

export type SandboxErrorName = keyof typeof ERROR_CATALOGUE;

/** The base of every error in the catalogue; `name` is the class's, `entry` its catalogue row. */
export class SandboxError extends Error {
  readonly entry: ErrorCatalogueEntry;

  constructor(name: SandboxErrorName, message: string) {
    super(message);
    this.name = name;
    this.entry = ERROR_CATALOGUE[name];
  }
}
