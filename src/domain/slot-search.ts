import { addDays, londonDateOf } from './london-time.js';
import type { Schedule, Slot } from './model.js';
import { firstStartingAtOrAfter, type SlotCalendar } from './slots.js';
import type { SandboxState } from './state.js';

/** What a consumer may see: a window of time and the organisation filters it sent. */
export interface SlotSearchCriteria {
  /** Slots must lie wholly inside [fromMs, toMs]. */
  fromMs: number;
  toMs: number;
  /** searchFilter organisation types (GPConnect-OrganisationType-1 codes); empty when none sent. */
  orgTypes: readonly string[];
  /** searchFilter ODS codes; empty when none sent. */
  odsCodes: readonly string[];
}

/**
 * The slot availability matrix (GPC@1.2.7 appointments_provider_sys_slot_availability.md):
 * only "GP Connect bookable" schedules are offered, and each restriction a schedule has must be
 * met by a filter of its kind. So with no filter only unrestricted slots show; with a type filter
 * ODS-restricted ones are hidden; with an ODS filter type-restricted ones are hidden.
 */
export function offeredTo(
  schedule: Schedule,
  criteria: Pick<SlotSearchCriteria, 'orgTypes' | 'odsCodes'>,
): boolean {
  const { bookable, restriction } = schedule.pattern;
  if (!bookable) return false;
  if (restriction?.orgType !== undefined && !criteria.orgTypes.includes(restriction.orgType)) return false;
  if (restriction?.odsCode !== undefined && !criteria.odsCodes.includes(restriction.odsCode)) return false;
  return true;
}

export interface SlotSearchContext {
  calendar: SlotCalendar;
  state: SandboxState;
  nowMs: number;
}

/**
 * Free slots offered to the criteria, wholly inside the window, starting after now and within
 * the calendar's horizon, by start then schedule id. Walks the calendar's per-day index, so a
 * search costs the days it covers, not the whole horizon.
 */
export function searchFreeSlots(ctx: SlotSearchContext, criteria: SlotSearchCriteria): Slot[] {
  const out: Slot[] = [];
  const horizon = ctx.calendar.horizon(ctx.nowMs);
  const fromMs = Math.max(criteria.fromMs, ctx.nowMs + 1);
  const toMs = criteria.toMs;
  if (!(fromMs <= toMs)) return out;
  const firstDate = maxDate(londonDateOf(fromMs), horizon.firstDate);
  // toMs - 1: an end at midnight does not reach into the next day.
  const lastDate = minDate(londonDateOf(toMs - 1), horizon.lastDate);
  const offered = new Map<string, boolean>();
  for (let date = firstDate; date <= lastDate; date = addDays(date, 1)) {
    const day = ctx.calendar.slotsOnDay(date);
    for (let i = firstStartingAtOrAfter(day, fromMs); i < day.length; i++) {
      const slot = day[i]!;
      if (slot.startMs > toMs) break;
      if (slot.endMs > toMs) continue;
      let ok = offered.get(slot.scheduleId);
      if (ok === undefined) {
        const schedule = ctx.calendar.schedule(slot.scheduleId);
        ok = schedule !== undefined && offeredTo(schedule, criteria);
        offered.set(slot.scheduleId, ok);
      }
      if (ok && ctx.state.isFree(slot.id)) out.push(slot);
    }
  }
  return out;
}

const maxDate = (a: string, b: string): string => (a > b ? a : b);
const minDate = (a: string, b: string): string => (a < b ? a : b);
