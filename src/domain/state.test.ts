import { describe, expect, it } from 'vitest';
import type { AppointmentRecord, Patient } from './model.js';
import { SandboxState } from './state.js';

function record(
  id: string,
  slotIds: string[],
  status: AppointmentRecord['status'] = 'booked',
): AppointmentRecord {
  return {
    id,
    versionId: '1',
    lastModifiedMs: 0,
    patientId: '1',
    slotIds,
    startMs: 0,
    endMs: 0,
    status,
    origin: 'gpconnect',
    resource: {},
  } as AppointmentRecord;
}

const PATIENT = { id: 'f1', nhsNumber: '9000000009' } as Patient;

/** Everything a state holds, to compare before and after. */
function contents(state: SandboxState) {
  return structuredClone({ ...state.toPersisted(), busy: [...state.busy.entries()] });
}

describe('SandboxState.recording', () => {
  it('takes back, newest first, every kind of change a command made', () => {
    const state = new SandboxState();
    state.put(record('1', ['a']));
    state.blockedSlots.add('held');
    const before = contents(state);
    const change = state.recording(() => {
      state.put(record(state.allocateAppointmentId(), ['b']));
      state.put(record('1', ['a'], 'cancelled'));
      state.put(record('1', ['c']));
      state.fixturePatients.set(PATIENT.id, PATIENT);
      state.blockedSlots.add('d');
      state.blockedSlots.delete('held');
      return 'value';
    });
    expect(change.value).toBe('value');
    expect(contents(state)).not.toEqual(before);
    change.rollback();
    expect(contents(state)).toEqual(before);
    // Once: a second rollback changes nothing more.
    state.put(record('9', ['z']));
    change.rollback();
    expect(state.appointments.has('9')).toBe(true);
  });

  it('takes back a clear and a replaceWith', () => {
    const state = new SandboxState();
    state.put(record('1', ['a']));
    state.fixturePatients.set(PATIENT.id, PATIENT);
    state.nextAppointmentId = 5;
    const before = contents(state);
    const other = new SandboxState();
    other.put(record('7', ['x']));
    const change = state.recording(() => {
      state.clear();
      state.put(record('2', ['b']));
      state.replaceWith(other);
    });
    expect(contents(state).appointments.map((r) => r.id)).toEqual(['7']);
    change.rollback();
    expect(contents(state)).toEqual(before);
  });

  it('takes back what a command did before it threw, and rethrows', () => {
    const state = new SandboxState();
    const before = contents(state);
    expect(() =>
      state.recording(() => {
        state.put(record(state.allocateAppointmentId(), ['a']));
        throw new Error('refused');
      }),
    ).toThrow('refused');
    expect(contents(state)).toEqual(before);
  });

  it('never hands an id out twice: the counter goes back only if no later command took one', () => {
    const state = new SandboxState();
    const first = state.recording(() => state.allocateAppointmentId());
    const second = state.recording(() => state.allocateAppointmentId());
    expect([first.value, second.value]).toEqual(['1', '2']);
    // Id 2 was handed out after 1: taking the first command back leaves the counter alone.
    first.rollback();
    expect(state.nextAppointmentId).toBe(3);
    // The newest one taken back gives its id back (nobody took one since).
    second.rollback();
    expect(state.nextAppointmentId).toBe(2);
    const alone = state.recording(() => state.allocateAppointmentId());
    expect(alone.value).toBe('2');
    alone.rollback();
    expect(state.nextAppointmentId).toBe(2);
  });

  it('records nothing outside a command, and takes back only its own command', () => {
    const state = new SandboxState();
    const mine = state.recording(() => state.put(record('1', ['a'])));
    state.put(record('2', ['b']));
    mine.rollback();
    expect([...state.appointments.keys()]).toEqual(['2']);
    expect(state.busy.get('b')).toBe('2');
  });

  it('has the store write the whole state after a rollback', () => {
    const state = new SandboxState();
    state.takeChanges();
    const change = state.recording(() => state.put(record('1', ['a'])));
    change.rollback();
    expect(state.takeChanges()).toBeUndefined();
  });
});
