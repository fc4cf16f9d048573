import { describe, expect, it } from 'vitest';
import { formatLondon } from './london-time.js';
import type { Schedule, Seed, SlotPattern } from './model.js';
import { parseSlotId, SlotCalendar, slotId } from './slots.js';

function schedule(id: string, pattern: Partial<SlotPattern> = {}): Schedule {
  return {
    id,
    locationId: 'l1',
    serviceCategory: 'GP surgery',
    practitionerRole: { code: 'R0260', display: 'General Medical Practitioner' },
    pattern: {
      weekdays: [1, 2, 3, 4, 5, 6, 7],
      from: '08:00',
      to: '18:00',
      slotMinutes: 10,
      deliveryChannel: 'In-person',
      serviceType: 'General Appointment',
      bookable: true,
      ...pattern,
    },
  };
}

function seedWith(...schedules: Schedule[]): Seed {
  return {
    manifest: { name: 'test', horizonDays: 14 },
    organizations: [],
    locations: [],
    practitioners: [],
    schedules,
    patients: [],
    fingerprint: 'test',
  };
}

const minutes = (n: number) => n * 60_000;

describe('slot ids', () => {
  it('name the schedule and the local start, and parse back', () => {
    expect(slotId('s1', '2026-06-02', '09:10')).toBe('s1-202606020910');
    expect(parseSlotId('my-sched.2-202606020910')).toEqual({
      scheduleId: 'my-sched.2',
      date: '2026-06-02',
      time: '09:10',
    });
    expect(parseSlotId('s1-20260602091')).toBeUndefined();
    expect(parseSlotId('-202606020910')).toBeUndefined();
  });
});

describe('SlotCalendar', () => {
  it('generates a day of slots from a pattern, in London time', () => {
    const day = new SlotCalendar(seedWith(schedule('s1'))).slotsOnDay('2026-06-02');
    expect(day).toHaveLength(60);
    expect(day[0]).toEqual({
      id: 's1-202606020800',
      scheduleId: 's1',
      startMs: Date.parse('2026-06-02T07:00:00Z'),
      endMs: Date.parse('2026-06-02T07:10:00Z'),
      start: '2026-06-02T08:00:00+01:00',
      end: '2026-06-02T08:10:00+01:00',
    });
    expect(day.at(-1)?.end).toBe('2026-06-02T18:00:00+01:00');
  });

  it('leaves out a slot that would end after the pattern ends', () => {
    const day = new SlotCalendar(seedWith(schedule('s1', { to: '09:00', slotMinutes: 25 }))).slotsOnDay(
      '2026-06-02',
    );
    expect(day.map((s) => s.start.slice(11, 16))).toEqual(['08:00', '08:25']);
  });

  it('offers slots only on the pattern weekdays', () => {
    const calendar = new SlotCalendar(seedWith(schedule('s1', { weekdays: [1, 2, 3, 4, 5] })));
    expect(calendar.slotsOnDay('2026-06-05')).toHaveLength(60); // Friday
    expect(calendar.slotsOnDay('2026-06-06')).toHaveLength(0); // Saturday
  });

  it('sorts a day by start, then schedule id', () => {
    const calendar = new SlotCalendar(
      seedWith(schedule('b', { slotMinutes: 30 }), schedule('a', { slotMinutes: 20 })),
    );
    const ids = calendar.slotsOnDay('2026-06-02').map((s) => s.id);
    expect(ids.slice(0, 5)).toEqual([
      'a-202606020800',
      'b-202606020800',
      'a-202606020820',
      'b-202606020830',
      'a-202606020840',
    ]);
  });

  it('caches each day: the same array comes back until the cache is cleared', () => {
    const calendar = new SlotCalendar(seedWith(schedule('s1')));
    const day = calendar.slotsOnDay('2026-06-02');
    expect(calendar.slotsOnDay('2026-06-02')).toBe(day);
    calendar.clearCache();
    expect(calendar.slotsOnDay('2026-06-02')).not.toBe(day);
    expect(calendar.slotsOnDay('2026-06-02')).toEqual(day);
  });

  it('drops the least recently used days above its slot limit and regenerates them the same', () => {
    const calendar = new SlotCalendar(seedWith(schedule('s1')), { maxCachedSlots: 100 });
    const first = calendar.slotsOnDay('2026-06-02');
    calendar.slotsOnDay('2026-06-03');
    expect(calendar.slotsOnDay('2026-06-02')).not.toBe(first);
    expect(calendar.slotsOnDay('2026-06-02')).toEqual(first);
  });

  describe('across the 2026 clock changes', () => {
    const allDay = schedule('s1', { from: '00:00', to: '24:00', slotMinutes: 30 });
    const calendar = new SlotCalendar(seedWith(allDay, schedule('s2')));
    const times = (date: string, id: string) =>
      calendar
        .slotsOnDay(date)
        .filter((s) => s.scheduleId === id)
        .map((s) => s.start.slice(11));

    it('keeps a day-time pattern whole and switches its offset', () => {
      expect(times('2026-03-28', 's2')).toHaveLength(60);
      expect(times('2026-03-29', 's2')).toHaveLength(60);
      expect(times('2026-03-28', 's2')[0]).toBe('08:00:00+00:00');
      expect(times('2026-03-29', 's2')[0]).toBe('08:00:00+01:00');
      expect(times('2026-10-25', 's2')).toHaveLength(60);
      expect(times('2026-10-24', 's2')[0]).toBe('08:00:00+01:00');
      expect(times('2026-10-25', 's2')[0]).toBe('08:00:00+00:00');
    });

    it('has no slots in the hour that does not exist on the 23-hour day', () => {
      const day = times('2026-03-29', 's1');
      expect(day).toHaveLength(46);
      expect(day.slice(0, 4)).toEqual([
        '00:00:00+00:00',
        '00:30:00+00:00',
        '02:00:00+01:00',
        '02:30:00+01:00',
      ]);
    });

    it('has one slot per wall time on the 25-hour day, the first 01:xx in BST', () => {
      const day = times('2026-10-25', 's1');
      expect(day).toHaveLength(48);
      expect(day.slice(0, 5)).toEqual([
        '00:00:00+01:00',
        '00:30:00+01:00',
        '01:00:00+01:00',
        '01:30:00+01:00',
        '02:00:00+00:00',
      ]);
    });

    it('gives every slot its real length, strings that match its instants, and a stable id', () => {
      for (const date of ['2026-03-29', '2026-10-25']) {
        const day = calendar.slotsOnDay(date);
        for (const slot of day) {
          const length = calendar.schedule(slot.scheduleId)!.pattern.slotMinutes;
          expect(slot.endMs - slot.startMs).toBe(minutes(length));
          expect(slot.start).toBe(formatLondon(slot.startMs));
          expect(slot.end).toBe(formatLondon(slot.endMs));
          expect(slot.id).toBe(slotId(slot.scheduleId, date, slot.start.slice(11, 16)));
        }
        const ids = day.map((s) => s.id);
        expect(new Set(ids).size).toBe(ids.length);
        calendar.clearCache();
        expect(calendar.slotsOnDay(date).map((s) => s.id)).toEqual(ids);
      }
    });
  });

  describe('get', () => {
    const calendar = new SlotCalendar(
      seedWith(
        schedule('s1'),
        schedule('weekdays', { weekdays: [1, 2, 3, 4, 5], from: '09:00', to: '12:00', slotMinutes: 15 }),
      ),
    );

    it('finds every slot of a day by its id, on any date', () => {
      for (const date of ['2026-06-02', '2026-03-29', '2026-10-25', '2019-01-07', '2031-12-31']) {
        for (const slot of calendar.slotsOnDay(date)) expect(calendar.get(slot.id)).toEqual(slot);
      }
    });

    it.each([
      ['an unknown schedule', 'nope-202606020800'],
      ['a time off the 10-minute grid', 's1-202606020805'],
      ['a time before the pattern starts', 's1-202606020750'],
      ['a slot that would end after the pattern ends', 's1-202606021800'],
      ['a weekday the pattern skips', 'weekdays-202606060900'],
      ['a date that does not exist', 's1-202602300800'],
      ['24:00', 's1-202606022400'],
      ['an id of another shape', 's1-2026-06-02T08:00'],
    ])('returns undefined for %s', (_, id) => {
      expect(calendar.get(id)).toBeUndefined();
    });

    it('has no slot in the spring-forward gap', () => {
      const night = new SlotCalendar(
        seedWith(schedule('n', { from: '00:00', to: '04:00', slotMinutes: 30 })),
      );
      expect(night.get('n-202603290100')).toBeUndefined();
      expect(night.get('n-202603290200')?.start).toBe('2026-03-29T02:00:00+01:00');
    });
  });

  it('finds the slots wholly inside a range, across days', () => {
    const calendar = new SlotCalendar(seedWith(schedule('s1')));
    const inside = calendar.between(
      Date.parse('2026-06-02T09:05:00+01:00'),
      Date.parse('2026-06-02T10:00:00+01:00'),
    );
    expect(inside.map((s) => s.start.slice(11, 16))).toEqual(['09:10', '09:20', '09:30', '09:40', '09:50']);
    const twoDays = calendar.between(
      Date.parse('2026-06-02T17:45:00+01:00'),
      Date.parse('2026-06-03T08:15:00+01:00'),
    );
    expect(twoDays.map((s) => s.id)).toEqual(['s1-202606021750', 's1-202606030800']);
    expect(calendar.between(Date.parse('2026-06-03T00:00:00Z'), Date.parse('2026-06-02T00:00:00Z'))).toEqual(
      [],
    );
  });

  it('offers the horizon from today in London', () => {
    const calendar = new SlotCalendar(seedWith(schedule('s1')));
    expect(calendar.horizon(Date.parse('2026-06-02T23:30:00Z'))).toEqual({
      firstDate: '2026-06-03',
      lastDate: '2026-06-16',
    });
  });
});
