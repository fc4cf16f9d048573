import type { ClockState } from '../domain/clock.js';
import type { AppointmentRecord } from '../domain/model.js';
import { SandboxError } from '../domain/sandbox-error.js';
import type { PersistedState } from '../domain/state.js';

/** The file format version; a file with another one is refused (or migrated) at start. */
export const SCHEMA_VERSION = 1;

export interface StoreDocument {
  schemaVersion: number;
  /** Fingerprint of the seed the file was written for. */
  seed: string;
  clock: ClockState;
  state: PersistedState;
}

/** What changed since the store last took the state: a few appointments, or (absent) anything. */
export interface StoreDelta {
  appointments: AppointmentRecord[];
  nextAppointmentId: number;
  clock: ClockState;
}

/** Taken once per write, when it starts: the changes it carries, and the whole document. */
export interface StoreBatch {
  delta?: StoreDelta;
  document(): StoreDocument;
}

/**
 * Where the default state lives between restarts. `save` resolves only once the changes taken
 * (or later ones) are durable, so a response that depends on them can be sent afterwards.
 */
export interface StateStore {
  readonly path?: string;
  /** Synchronous, so createSandbox() can be: it runs once, at start. */
  load(): StoreDocument | undefined;
  save(take: () => StoreBatch): Promise<void>;
  close(): Promise<void>;
}

export class StoreError extends SandboxError {
  constructor(message: string) {
    super('StoreError', message);
  }
}

/**
 * The shared store cannot be reached just now (Redis down): FHIR answers 503 with an
 * OperationOutcome, the admin API 503 `{error}`; the process carries on and recovers by itself.
 */
export class StoreUnavailable extends StoreError {
  override name = 'StoreUnavailable';
  /**
   * True when the change had been sent when the store stopped answering: it may have been
   * committed (a client should read before it retries), so the answer must not say "nothing done".
   */
  readonly outcomeUnknown: boolean;
  constructor(message: string, options: { outcomeUnknown?: boolean } = {}) {
    super(message);
    this.outcomeUnknown = options.outcomeUnknown === true;
  }
}

/** Memory: nothing to write. */
export class MemoryStore implements StateStore {
  load(): StoreDocument | undefined {
    return undefined;
  }
  async save(): Promise<void> {}
  async close(): Promise<void> {}
}
