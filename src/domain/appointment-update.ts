import { EXTENSION_URL } from '../fhir/profiles.js';
import type { AppointmentRecord, AppointmentVersion } from './model.js';

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

/** Status cancelled plus the reason extension; with the status change the slots are free again. */
export function cancelRecord(record: AppointmentRecord, reason: string, nowMs: number): AppointmentRecord {
  const extensions = Array.isArray(record.resource['extension'])
    ? (record.resource['extension'] as unknown[])
    : [];
  const resource: Record<string, unknown> = {
    ...record.resource,
    status: 'cancelled',
    extension: [...extensions, { url: EXTENSION_URL.cancellationReason, valueString: reason }],
  };
  return {
    ...record,
    status: 'cancelled',
    versionId: nextVersionId(record, nowMs),
    lastModifiedMs: nowMs,
    resource,
    history: historyWith(record),
  };
}
