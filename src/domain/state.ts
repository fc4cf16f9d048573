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

export class SandboxState {
  readonly appointments = new Map<string, AppointmentRecord>();
  /** slot id → id of the booked appointment holding it. */
  readonly busy = new Map<string, string>();
  readonly fixturePatients = new Map<string, Patient>();
  /** Slots busy without an appointment: held by the practice (POST /_admin/slots). */
  readonly blockedSlots = new Set<string>();
  nextAppointmentId = 1;
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
    this.clear();
    this.nextAppointmentId = other.nextAppointmentId;
    for (const record of other.appointments.values()) this.put(record);
    for (const patient of other.fixturePatients.values()) this.fixturePatients.set(patient.id, patient);
    for (const slotId of other.blockedSlots) this.blockedSlots.add(slotId);
  }

  clear(): void {
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
    return String(this.nextAppointmentId++);
  }

  /** Insert or replace an appointment, keeping the busy index in step with its status. */
  put(record: AppointmentRecord): void {
    const previous = this.appointments.get(record.id);
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
