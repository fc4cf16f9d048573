import type { AppointmentRecord, Patient } from './model.js';

/**
 * What changes in one world (the default state, or a session's copy): appointments, which slots
 * they hold, id and version counters, and fixtures added at run time. The seed and the generated
 * slots are shared and immutable, so a new world is cheap: it starts empty.
 */
export interface PersistedState {
  nextAppointmentId: number;
  appointments: AppointmentRecord[];
  fixturePatients: Patient[];
  /** Generated slots marked busy at run time without an appointment (POST /_admin/slots). */
  blockedSlots?: string[];
}

/** Everything in a world's state but its appointments: what a shared store keeps beside them. */
export type StateMisc = Omit<PersistedState, 'appointments'>;

/** Undoes one change a command made; run in reverse order (SandboxState.recording). */
type Undo = () => void;

/** What a command changed in a state, recorded so it can be taken back (SandboxState.recording). */
export interface Recorded<T> {
  /** What the command returned. */
  readonly value: T;
  /**
   * Take back every change the command made, newest first; the store writes the whole state next
   * (a change taken back may have been handed to a write that failed).
   */
  rollback(): void;
}

/** A Map whose set/delete/clear are recorded while a command runs (fixture patients). */
class RecordedMap<K, V> extends Map<K, V> {
  constructor(private readonly log: () => Undo[] | undefined) {
    super();
  }
  override set(key: K, value: V): this {
    const log = this.log?.();
    if (log) log.push(this.restorer(key));
    return super.set(key, value);
  }
  override delete(key: K): boolean {
    const log = this.log?.();
    if (log) log.push(this.restorer(key));
    return super.delete(key);
  }
  override clear(): void {
    // One recorded delete per entry while a command runs.
    for (const key of [...this.keys()]) this.delete(key);
  }
  private restorer(key: K): Undo {
    const had = super.has(key);
    const before = super.get(key);
    return () => {
      if (had) super.set(key, before as V);
      else super.delete(key);
    };
  }
}

/** A Set whose add/delete/clear are recorded while a command runs (slots the practice holds). */
class RecordedSet<T> extends Set<T> {
  constructor(private readonly log: () => Undo[] | undefined) {
    super();
  }
  override add(value: T): this {
    const log = this.log?.();
    if (log && !super.has(value)) log.push(() => super.delete(value));
    return super.add(value);
  }
  override delete(value: T): boolean {
    const log = this.log?.();
    if (log && super.has(value)) log.push(() => super.add(value));
    return super.delete(value);
  }
  override clear(): void {
    // One recorded delete per member while a command runs.
    for (const value of [...this.values()]) this.delete(value);
  }
}

export class SandboxState {
  /** The undo log of the command running now (recording), newest last; undefined outside one. */
  #log: Undo[] | undefined;
  readonly appointments = new Map<string, AppointmentRecord>();
  /** slot id → id of the booked appointment holding it. */
  readonly busy = new Map<string, string>();
  readonly fixturePatients: Map<string, Patient> = new RecordedMap<string, Patient>(() => this.#log);
  /** Slots busy without an appointment: held by the practice (POST /_admin/slots). */
  readonly blockedSlots: Set<string> = new RecordedSet<string>(() => this.#log);
  #nextAppointmentId = 1;

  /** The id the next booking takes (a counter; ids are never reused once committed). */
  get nextAppointmentId(): number {
    return this.#nextAppointmentId;
  }

  set nextAppointmentId(value: number) {
    const before = this.#nextAppointmentId;
    // Taken back only if no later command moved it on meanwhile: an id another booking took is
    // never handed out twice.
    this.#log?.push(() => {
      if (this.#nextAppointmentId === value) this.#nextAppointmentId = before;
    });
    this.#nextAppointmentId = value;
  }

  /**
   * Run `command` with an undo log open: every change it makes to this state before it returns
   * (appointments put or removed, fixture patients, held slots, the id counter, clear,
   * replaceWith) is recorded, so `rollback()` can take them all back in reverse order. Only what
   * the command does synchronously is recorded: a command changes the state before its first
   * await (an async function's returned promise is not awaited here). Logs nest: a command
   * recorded inside another is taken back with it.
   */
  recording<T>(command: () => T): Recorded<T> {
    const outer = this.#log;
    const log: Undo[] = [];
    this.#log = log;
    let value: T;
    try {
      value = command();
    } catch (error) {
      this.#log = outer;
      this.undo(log);
      throw error;
    }
    this.#log = outer;
    outer?.push(() => this.undo(log));
    return { value, rollback: () => this.undo(log) };
  }

  /** Take back the changes in `log`, newest first, without recording them; each runs once. */
  private undo(log: Undo[]): void {
    if (log.length === 0) return;
    const outer = this.#log;
    this.#log = undefined;
    try {
      for (let i = log.length - 1; i >= 0; i--) log[i]!();
    } finally {
      log.length = 0;
      this.#log = outer;
    }
    this.touched();
  }
  /** Bumped on every change (the admin page's ETag). */
  revision = 0;
  /** Appointments changed since the store last took the changes; `all` when more than those changed. */
  private changed = new Set<string>();
  private changedAll = true;

  static from(persisted: PersistedState): SandboxState {
    const state = new SandboxState();
    state.nextAppointmentId = persisted.nextAppointmentId;
    for (const record of persisted.appointments) state.put(record);
    for (const patient of persisted.fixturePatients) state.fixturePatients.set(patient.id, patient);
    for (const slotId of persisted.blockedSlots ?? []) state.blockedSlots.add(slotId);
    return state;
  }

  toPersisted(): PersistedState {
    return {
      nextAppointmentId: this.nextAppointmentId,
      appointments: [...this.appointments.values()],
      fixturePatients: [...this.fixturePatients.values()],
      blockedSlots: [...this.blockedSlots],
    };
  }

  /** Everything but the appointments (a shared store keeps them apart, per appointment). */
  toMisc(): StateMisc {
    return {
      nextAppointmentId: this.nextAppointmentId,
      fixturePatients: [...this.fixturePatients.values()],
      blockedSlots: [...this.blockedSlots],
    };
  }

  /** Take over another copy's fixtures, held slots and id counter (a shared store's). */
  applyMisc(misc: StateMisc): void {
    this.nextAppointmentId = misc.nextAppointmentId;
    this.fixturePatients.clear();
    for (const patient of misc.fixturePatients) this.fixturePatients.set(patient.id, patient);
    this.blockedSlots.clear();
    for (const slotId of misc.blockedSlots ?? []) this.blockedSlots.add(slotId);
    this.revision++;
  }

  /** Forget what changed: the state now matches its store (a shared store just brought it in line). */
  markClean(): void {
    this.changedAll = false;
    this.changed = new Set();
  }

  /** Take over another state's contents wholesale (snapshot import). */
  replaceWith(other: SandboxState): void {
    this.recordWhole();
    const log = this.#log;
    this.#log = undefined;
    try {
      this.replaceContents(other);
    } finally {
      this.#log = log;
    }
  }

  private replaceContents(other: SandboxState): void {
    this.clearContents();
    this.nextAppointmentId = other.nextAppointmentId;
    for (const record of other.appointments.values()) this.put(record);
    for (const patient of other.fixturePatients.values()) this.fixturePatients.set(patient.id, patient);
    for (const slotId of other.blockedSlots) this.blockedSlots.add(slotId);
  }

  /** Back to empty: no appointments, fixtures or held slots, ids from 1 (a reset). */
  clear(): void {
    this.recordWhole();
    const log = this.#log;
    this.#log = undefined;
    try {
      this.clearContents();
    } finally {
      this.#log = log;
    }
  }

  /** While a command is recorded: remember the whole state, to take back a clear or replaceWith. */
  private recordWhole(): void {
    if (!this.#log) return;
    const before = SandboxState.from(this.toPersisted());
    this.#log.push(() => this.replaceContents(before));
  }

  private clearContents(): void {
    this.appointments.clear();
    this.busy.clear();
    this.fixturePatients.clear();
    this.blockedSlots.clear();
    this.nextAppointmentId = 1;
    this.touched();
  }

  /** Something besides appointment records changed (fixtures, held slots): the store writes it all. */
  touched(): void {
    this.revision++;
    this.changedAll = true;
  }

  /** Drop an appointment that was never acknowledged (its write failed). */
  remove(record: AppointmentRecord): void {
    const previous = this.appointments.get(record.id);
    if (previous && this.#log) this.#log.push(() => this.put(previous));
    this.appointments.delete(record.id);
    for (const slotId of record.slotIds) if (this.busy.get(slotId) === record.id) this.busy.delete(slotId);
    this.touched();
  }

  /**
   * The appointments changed since the last call, or undefined when the whole state must be
   * written; either way the tracking starts afresh.
   */
  takeChanges(): AppointmentRecord[] | undefined {
    const all = this.changedAll;
    const ids = this.changed;
    this.changedAll = false;
    this.changed = new Set();
    if (all) return undefined;
    return [...ids].map((id) => this.appointments.get(id)!);
  }

  allocateAppointmentId(): string {
    const id = this.nextAppointmentId;
    this.nextAppointmentId = id + 1;
    return String(id);
  }

  /** Insert or replace an appointment, keeping the busy index in step with its status. */
  put(record: AppointmentRecord): void {
    const previous = this.appointments.get(record.id);
    if (this.#log) this.#log.push(previous ? () => this.put(previous) : () => this.remove(record));
    if (previous) for (const slotId of previous.slotIds) this.busy.delete(slotId);
    this.appointments.set(record.id, record);
    if (record.status === 'booked') for (const slotId of record.slotIds) this.busy.set(slotId, record.id);
    this.revision++;
    this.changed.add(record.id);
  }

  isFree(slotId: string): boolean {
    return !this.busy.has(slotId) && !this.blockedSlots.has(slotId);
  }
}
