/**
 * Slots are not stored: they are generated from each schedule's pattern, in London local time,
 * and named by schedule + local start, so an id means the same slot across restarts and seeds.
 * SlotCalendar keeps the generated days as the slot-search index.
 */
import {
  addDays,
  formatLondon,
  formatOffset,
  isCalendarDate,
  isoWeekday,
  londonDateOf,
  londonDayOffset,
  londonLocalToInstant,
  londonOffsetMinutes,
  minutesOfDay,
  utcMidnight,
} from './london-time.js';
import type { Schedule, Seed, Slot } from './model.js';

const MINUTE = 60_000;

/**
 * `${scheduleId}-${YYYYMMDD}${HHMM}`. A FHIR id (`[A-Za-z0-9\-.]{1,64}`) when the schedule id is
 * one of at most 51 characters, which the seed schema enforces.
 */
export function slotId(scheduleId: string, date: string, time: string): string {
  return `${scheduleId}-${date.replaceAll('-', '')}${time.replace(':', '')}`;
}

/** The parts of a slot id (not checked against any schedule), or undefined when it has not that shape. */
export function parseSlotId(id: string): { scheduleId: string; date: string; time: string } | undefined {
  const m = /^(.+)-(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(id);
  if (!m) return undefined;
  return { scheduleId: m[1]!, date: `${m[2]}-${m[3]}-${m[4]}`, time: `${m[5]}:${m[6]}` };
}

/** A schedule's pattern in minutes, worked out once. */
interface Plan {
  schedule: Schedule;
  /** `${schedule.id}-`: slot ids share it. */
  idPrefix: string;
  weekdays: ReadonlySet<number>;
  from: number;
  to: number;
  step: number;
}

export interface SlotCalendarOptions {
  /** Generated days are dropped, least recently used first, above this many slots in all. */
  maxCachedSlots?: number;
}

export class SlotCalendar {
  private readonly seed: Seed;
  private readonly plans: Plan[];
  private readonly plansById: Map<string, Plan>;
  private readonly maxCachedSlots: number;
  /** Date → that day's slots; Map order is least recently used first. */
  private readonly days = new Map<string, readonly Slot[]>();
  private cachedSlots = 0;
  /** Recently resolved ids (bounded): get() is on the booking path. */
  private readonly byId = new Map<string, Slot>();

  constructor(seed: Seed, options: SlotCalendarOptions = {}) {
    this.seed = seed;
    this.maxCachedSlots = options.maxCachedSlots ?? 500_000;
    // Sorted by id so that sorting a day by start alone leaves ties in schedule-id order.
    this.plans = [...seed.schedules]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((schedule) => ({
        schedule,
        idPrefix: `${schedule.id}-`,
        weekdays: new Set(schedule.pattern.weekdays),
        from: minutesOfDay(schedule.pattern.from),
        to: minutesOfDay(schedule.pattern.to),
        step: schedule.pattern.slotMinutes,
      }));
    this.plansById = new Map(this.plans.map((p) => [p.schedule.id, p]));
  }

  schedule(id: string): Schedule | undefined {
    return this.plansById.get(id)?.schedule;
  }

  /** Every slot of a London local date (all schedules, bookable or not), by start then schedule id. */
  slotsOnDay(date: string): readonly Slot[] {
    const cached = this.days.get(date);
    if (cached) {
      this.days.delete(date);
      this.days.set(date, cached);
      return cached;
    }
    if (!isCalendarDate(date)) throw new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(date)}`);
    const slots = this.generateDay(date);
    this.days.set(date, slots);
    this.cachedSlots += slots.length;
    for (const [oldest, old] of this.days) {
      if (this.cachedSlots <= this.maxCachedSlots || oldest === date) break;
      this.days.delete(oldest);
      this.cachedSlots -= old.length;
    }
    return slots;
  }

  /** The slot an id names, on any date, or undefined when no schedule pattern has it. */
  get(id: string): Slot | undefined {
    // Booking and reads look the same ids up again and again; slots never change.
    const known = this.byId.get(id);
    if (known) return known;
    const slot = this.resolve(id);
    if (slot) {
      if (this.byId.size >= 20_000) this.byId.delete(this.byId.keys().next().value!);
      this.byId.set(id, slot);
    }
    return slot;
  }

  private resolve(id: string): Slot | undefined {
    const parts = parseSlotId(id);
    if (!parts) return undefined;
    const plan = this.plansById.get(parts.scheduleId);
    const minutes = minutesOfDay(parts.time);
    if (!plan || !(minutes < 1440) || !isCalendarDate(parts.date)) return undefined;
    if (!plan.weekdays.has(isoWeekday(parts.date))) return undefined;
    if (minutes < plan.from || minutes + plan.step > plan.to || (minutes - plan.from) % plan.step !== 0) {
      return undefined;
    }
    return makeSlot(plan, dayContext(parts.date), minutes);
  }

  /** Slots wholly inside [fromMs, toMs], by start then schedule id. Generates every day in the range. */
  between(fromMs: number, toMs: number): Slot[] {
    const out: Slot[] = [];
    if (!(fromMs <= toMs) || !Number.isFinite(fromMs) || !Number.isFinite(toMs)) return out;
    const lastDate = londonDateOf(toMs);
    for (let date = londonDateOf(fromMs); date <= lastDate; date = addDays(date, 1)) {
      const day = this.slotsOnDay(date);
      for (let i = firstStartingAtOrAfter(day, fromMs); i < day.length; i++) {
        const slot = day[i]!;
        if (slot.startMs > toMs) break;
        if (slot.endMs <= toMs) out.push(slot);
      }
    }
    return out;
  }

  /** The dates slots are offered for: today in London through horizonDays - 1 days later. */
  horizon(nowMs: number): { firstDate: string; lastDate: string } {
    const firstDate = londonDateOf(nowMs);
    return { firstDate, lastDate: addDays(firstDate, this.seed.manifest.horizonDays - 1) };
  }

  clearCache(): void {
    this.days.clear();
    this.byId.clear();
    this.cachedSlots = 0;
  }

  private generateDay(date: string): Slot[] {
    const weekday = isoWeekday(date);
    const day = dayContext(date);
    const slots: Slot[] = [];
    for (const plan of this.plans) {
      if (!plan.weekdays.has(weekday)) continue;
      for (let m = plan.from; m + plan.step <= plan.to && m < 1440; m += plan.step) {
        const slot = makeSlot(plan, day, m);
        if (slot) slots.push(slot);
      }
    }
    // Array sort is stable, and plans are in id order: equal starts stay sorted by schedule id.
    return slots.sort((a, b) => a.startMs - b.startMs);
  }
}

/** What every slot of one local date shares, worked out once per date. */
interface Day {
  date: string;
  midnightUtc: number;
  /** The day's one UTC offset, or undefined on a clock-change day (the slow path). */
  offset: number | undefined;
  /** "HH:MM:00+01:00" by minute of day, when the day has one offset. */
  wallTimes: readonly string[] | undefined;
  /** `${date}T`, and "YYYYMMDDHHMM" by minute: slot strings are built from these shared pieces,
   * so 100k slots cost megabytes, not tens of them. */
  prefix: string;
  stamps: string[];
}

function dayContext(date: string): Day {
  const offset = londonDayOffset(date);
  return {
    date,
    midnightUtc: utcMidnight(date),
    offset,
    wallTimes: offset === undefined ? undefined : wallTimes(offset),
    prefix: `${date}T`,
    stamps: [],
  };
}

function makeSlot(plan: Plan, day: Day, minutes: number): Slot | undefined {
  let startMs: number;
  if (day.offset !== undefined) {
    startMs = day.midnightUtc + (minutes - day.offset) * MINUTE;
  } else {
    startMs = londonLocalToInstant(day.date, HH_MM[minutes]!);
    // A wall time in the spring-forward gap never shows on a UK clock, so it has no slot.
    const wallMs = day.midnightUtc + minutes * MINUTE;
    if (startMs + londonOffsetMinutes(startMs) * MINUTE !== wallMs) return undefined;
  }
  // Length is real time, so a slot across a clock change still lasts slotMinutes.
  const endMs = startMs + plan.step * MINUTE;
  const endWall = day.wallTimes?.[minutes + plan.step];
  day.stamps[minutes] ??= day.date.replaceAll('-', '') + HH_MM[minutes]!.replace(':', '');
  return {
    id: plan.idPrefix + day.stamps[minutes],
    scheduleId: plan.schedule.id,
    startMs,
    endMs,
    start: day.wallTimes ? day.prefix + day.wallTimes[minutes] : formatLondon(startMs),
    end: endWall === undefined ? formatLondon(endMs) : day.prefix + endWall,
  };
}

const HH_MM = Array.from(
  { length: 1440 },
  (_, m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`,
);

const wallTimeTables = new Map<number, readonly string[]>();
function wallTimes(offset: number): readonly string[] {
  let table = wallTimeTables.get(offset);
  if (!table) {
    table = HH_MM.map((hhmm) => `${hhmm}:00${formatOffset(offset)}`);
    wallTimeTables.set(offset, table);
  }
  return table;
}

/** Binary search: the index of the first slot of a day (sorted by start) starting at or after ms. */
export function firstStartingAtOrAfter(day: readonly Slot[], ms: number): number {
  let lo = 0;
  let hi = day.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (day[mid]!.startMs < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
