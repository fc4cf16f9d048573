import type { AppointmentResources } from './appointment-resources.js';
import { DomainError } from './errors.js';
import type { AppointmentRecord, AppointmentVersion } from './model.js';
import type { SandboxState } from './state.js';

/**
 * New versions of an appointment after an amend or a cancel. The record is replaced, never
 * mutated, so the caller can put the old one back if persisting the new one fails.
 */

/**
 * The version `versionId` of a record: its current one, or an earlier one from its history;
 * undefined when it never had that version or it was written before versions were kept.
 */
export function versionOf(record: AppointmentRecord, versionId: string): AppointmentRecord | undefined {
  if (versionId === record.versionId) return record;
  const earlier = record.history?.find((v) => v.versionId === versionId);
  return earlier ? { ...record, ...earlier } : undefined;
}

/** The next meta.versionId: versions are counters ("1", "2", ...); anything else restarts from now. */
export function nextVersionId(record: AppointmentRecord, nowMs: number): string {
  const n = Number(record.versionId);
  return Number.isSafeInteger(n) && n >= 0 ? String(n + 1) : String(nowMs);
}

/** The record's earlier versions followed by its current one: the history of its next version. */
function historyWith(record: AppointmentRecord): AppointmentVersion[] {
  const { versionId, lastModifiedMs, status, resource } = record;
  return [...(record.history ?? []), { versionId, lastModifiedMs, status, resource }];
}

export function amendRecord(
  record: AppointmentRecord,
  text: { description: string | undefined; comment: string | undefined },
  nowMs: number,
): AppointmentRecord {
  const resource: Record<string, unknown> = { ...record.resource };
  for (const key of ['description', 'comment'] as const) {
    if (text[key] === undefined) delete resource[key];
    else resource[key] = text[key];
  }
  return {
    ...record,
    versionId: nextVersionId(record, nowMs),
    lastModifiedMs: nowMs,
    resource,
    history: historyWith(record),
  };
}

/**
 * The same version with status cancelled and, when given, the reason (an appointment added as
 * already cancelled); with the status change its slots are free.
 */
export function asCancelled(
  record: AppointmentRecord,
  reason: string | undefined,
  resources: Pick<AppointmentResources, 'cancelled'>,
): AppointmentRecord {
  return { ...record, status: 'cancelled', resource: resources.cancelled(record.resource, reason) };
}

/** Status cancelled plus the reason, as a new version; with the status change the slots are free again. */
export function cancelRecord(
  record: AppointmentRecord,
  reason: string,
  nowMs: number,
  resources: Pick<AppointmentResources, 'cancelled'>,
): AppointmentRecord {
  return {
    ...asCancelled(record, reason, resources),
    versionId: nextVersionId(record, nowMs),
    lastModifiedMs: nowMs,
    history: historyWith(record),
  };
}

// ---- rules for an existing appointment ------------------------------------------------------------

/** The appointment with the id in this world; DomainError no-record when there is none. */
export function appointmentOf(state: SandboxState, id: string): AppointmentRecord {
  const record = state.appointments.get(id);
  if (!record) throw new DomainError({ kind: 'no-record', appointmentId: id });
  return record;
}

/**
 * Providers serve only future appointments (GP Connect 1.2.7 read, amend and cancel pages): one
 * whose start is not after now is refused with DomainError past-appointment naming the operation.
 */
export function checkFuture(
  record: AppointmentRecord,
  nowMs: number,
  operation: 'read' | 'amend' | 'cancel',
): void {
  if (record.startMs > nowMs) return;
  throw new DomainError({
    kind: 'past-appointment',
    appointmentId: record.id,
    operation,
    startMs: record.startMs,
    nowMs,
  });
}

/** A cancelled appointment cannot be amended (GP Connect 1.2.3 onwards): DomainError cancelled-not-amendable. */
export function checkAmendable(record: AppointmentRecord): void {
  if (record.status === 'cancelled') {
    throw new DomainError({ kind: 'cancelled-not-amendable', appointmentId: record.id });
  }
}

/**
 * Optimistic locking: `expected` are the versions the client holds (or `any`); when none is the
 * current one, the appointment changed since the client read it: DomainError version-conflict,
 * carrying `sent`, the client's words for them (e.g. the If-Match header).
 */
export function checkExpectedVersion(
  record: AppointmentRecord,
  expected: readonly string[] | 'any',
  sent: string,
): void {
  if (expected === 'any' || expected.includes(record.versionId)) return;
  throw new DomainError({
    kind: 'version-conflict',
    appointmentId: record.id,
    currentVersion: record.versionId,
    sent,
  });
}

/** The version `versionId` of the record (versionOf), or DomainError no-version listing those it has. */
export function versionOrFail(record: AppointmentRecord, versionId: string): AppointmentRecord {
  const version = versionOf(record, versionId);
  if (version) return version;
  throw new DomainError({
    kind: 'no-version',
    appointmentId: record.id,
    versionId,
    versions: [...(record.history ?? []).map((v) => v.versionId), record.versionId],
  });
}
