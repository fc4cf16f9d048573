import type { ClockState } from '../domain/clock.js';
import type { AppointmentRecord } from '../domain/model.js';
import type { StateMisc } from '../domain/state.js';
import type { FaultState } from '../faults/engine.js';
import type { Scenario } from '../faults/rule.js';
import { StoreUnavailable } from '../store/store.js';

/**
 * A shared store's key holds what is not the sandbox's state (edited by hand, written by another
 * program): requests on that world answer 503 naming the key, health says degraded, and a reset
 * (POST /_admin/reset) overwrites it.
 */
export class StoreDamaged extends StoreUnavailable {
  override name = 'StoreDamaged';
}

/**
 * Parse the JSON a shared store holds under `key` and check its shape; throws StoreDamaged
 * naming the key and what is wrong. The checks are the minimum every reader relies on (types of
 * the fields it reads), not a full validation: what a replica wrote passes them.
 */
export function parseStored<T>(key: string, json: string, check: (value: unknown) => value is T): T {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw damaged(key, `it is not JSON (${(error as Error).message})`);
  }
  if (!check(value)) throw damaged(key, 'it is JSON of another shape');
  return value;
}

function damaged(key: string, why: string): StoreDamaged {
  return new StoreDamaged(
    `Redis key ${key} does not hold the sandbox's state: ${why}. POST /_admin/reset (or PUT /_admin/clock, PUT /_admin/scenario for the globals) writes it afresh`,
  );
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** An appointment record as a replica writes it (domain/model.ts AppointmentRecord). */
export function isAppointmentRecord(v: unknown): v is AppointmentRecord {
  return (
    isObject(v) &&
    isString(v['id']) &&
    isString(v['versionId']) &&
    isString(v['patientId']) &&
    (v['status'] === 'booked' || v['status'] === 'cancelled') &&
    Array.isArray(v['slotIds']) &&
    v['slotIds'].every(isString) &&
    isFiniteNumber(v['lastModifiedMs']) &&
    isFiniteNumber(v['startMs']) &&
    isFiniteNumber(v['endMs']) &&
    isObject(v['resource']) &&
    (v['history'] === undefined || Array.isArray(v['history']))
  );
}

/** A world's id counter, fixtures and held slots (domain/state.ts StateMisc). */
export function isStateMisc(v: unknown): v is StateMisc {
  return (
    isObject(v) &&
    Number.isSafeInteger(v['nextAppointmentId']) &&
    (v['nextAppointmentId'] as number) >= 1 &&
    Array.isArray(v['fixturePatients']) &&
    v['fixturePatients'].every((p) => isObject(p) && isString(p['id'])) &&
    (v['blockedSlots'] === undefined ||
      (Array.isArray(v['blockedSlots']) && v['blockedSlots'].every(isString)))
  );
}

/** A fault engine's state (faults/engine.ts FaultState). */
export function isFaultState(v: unknown): v is FaultState {
  const armed = (a: unknown) =>
    isObject(a) &&
    isObject(a['rule']) &&
    isString(a['rule']['name']) &&
    Number.isInteger(a['rng']) &&
    Number.isInteger(a['matched']) &&
    Number.isInteger(a['applied']);
  return (
    isObject(v) &&
    (v['scenarioName'] === null || isString(v['scenarioName'])) &&
    Array.isArray(v['admin']) &&
    v['admin'].every(armed) &&
    Array.isArray(v['scenarioRules']) &&
    v['scenarioRules'].every(armed) &&
    Number.isInteger(v['oneOff'])
  );
}

/** The sandbox clock's state (domain/clock.ts ClockState). */
export function isClockState(v: unknown): v is ClockState {
  return (
    isObject(v) &&
    isFiniteNumber(v['offsetMs']) &&
    (v['frozenAt'] === undefined || isFiniteNumber(v['frozenAt']))
  );
}

/** The active scenario as the globals hold it: null, or its name and rules. */
export function isStoredScenario(v: unknown): v is { name: string; scenario?: Scenario } | null {
  return (
    v === null ||
    (isObject(v) &&
      isString(v['name']) &&
      (v['scenario'] === undefined || (isObject(v['scenario']) && Array.isArray(v['scenario']['rules']))))
  );
}
