import { describe, expect, it } from 'vitest';
import {
  addDays,
  formatLondon,
  isCalendarDate,
  isoWeekday,
  londonDateOf,
  londonDayOffset,
  londonLocalToInstant,
  londonOffsetMinutes,
  parseFhirInstant,
} from './london-time.js';

const at = (iso: string) => Date.parse(iso);

describe('London time', () => {
  it('formats instants in GMT and BST with seconds and offset', () => {
    expect(formatLondon(at('2026-06-02T08:00:00Z'))).toBe('2026-06-02T09:00:00+01:00');
    expect(formatLondon(at('2026-01-15T09:30:00Z'))).toBe('2026-01-15T09:30:00+00:00');
    expect(formatLondon(at('2026-01-15T09:30:00.250Z'))).toBe('2026-01-15T09:30:00.250+00:00');
  });

  it('changes offset at 01:00 UTC on the last Sundays of March and October 2026', () => {
    expect(londonOffsetMinutes(at('2026-03-29T00:59:59Z'))).toBe(0);
    expect(londonOffsetMinutes(at('2026-03-29T01:00:00Z'))).toBe(60);
    expect(londonOffsetMinutes(at('2026-10-25T00:59:59Z'))).toBe(60);
    expect(londonOffsetMinutes(at('2026-10-25T01:00:00Z'))).toBe(0);
  });

  it('gives the local date, which differs from UTC late on a BST evening', () => {
    expect(londonDateOf(at('2026-06-02T23:30:00Z'))).toBe('2026-06-03');
    expect(londonDateOf(at('2026-12-31T23:30:00Z'))).toBe('2026-12-31');
  });

  it('turns local times into instants, forward through the spring gap and first through the autumn repeat', () => {
    expect(londonLocalToInstant('2026-06-02', '09:00')).toBe(at('2026-06-02T08:00:00Z'));
    expect(londonLocalToInstant('2026-03-29', '00:30')).toBe(at('2026-03-29T00:30:00Z'));
    expect(londonLocalToInstant('2026-03-29', '01:30')).toBe(at('2026-03-29T01:30:00Z')); // = 02:30 BST
    expect(londonLocalToInstant('2026-03-29', '02:00')).toBe(at('2026-03-29T01:00:00Z'));
    expect(londonLocalToInstant('2026-10-25', '01:30')).toBe(at('2026-10-25T00:30:00Z')); // the BST 01:30
    expect(londonLocalToInstant('2026-10-25', '02:00')).toBe(at('2026-10-25T02:00:00Z'));
    expect(() => londonLocalToInstant('2026-02-30', '09:00')).toThrow(RangeError);
  });

  it('knows which days have one offset all day', () => {
    expect(londonDayOffset('2026-03-28')).toBe(0);
    expect(londonDayOffset('2026-03-29')).toBeUndefined();
    expect(londonDayOffset('2026-03-30')).toBe(60);
    expect(londonDayOffset('2026-10-24')).toBe(60);
    expect(londonDayOffset('2026-10-25')).toBeUndefined();
    expect(londonDayOffset('2026-10-26')).toBe(0);
  });

  it('does calendar arithmetic on dates', () => {
    expect(addDays('2026-02-27', 2)).toBe('2026-03-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(isoWeekday('2026-06-01')).toBe(1);
    expect(isoWeekday('2026-06-07')).toBe(7);
    expect(isCalendarDate('2026-02-29')).toBe(false);
    expect(isCalendarDate('2026-2-1')).toBe(false);
  });

  it.each([
    ['2028-02-29', true],
    ['2026-02-29', false],
    ['2026-04-31', false],
    ['2026-13-01', false],
    ['2026-00-10', false],
    ['2026-06-00', false],
    ['0050-01-01', false], // Date.UTC reads years 0-99 as 1950: not the date written
    ['0000-01-01', false],
    ['0100-03-01', true],
    ['9999-12-31', true],
  ])('isCalendarDate(%s) is %s (what a round trip through toISOString says)', (date, real) => {
    expect(isCalendarDate(date)).toBe(real);
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)!;
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    expect(new Date(ms).toISOString().slice(0, 10) === date).toBe(real);
  });

  it.each([
    ['2026-06-02T09:00:00+01:00', { ms: at('2026-06-02T08:00:00Z'), offsetMinutes: 60, zulu: false }],
    ['2026-06-02T08:00:00Z', { ms: at('2026-06-02T08:00:00Z'), offsetMinutes: 0, zulu: true }],
    ['2026-06-02T08:00:00.5-05:30', { ms: at('2026-06-02T13:30:00.500Z'), offsetMinutes: -330, zulu: false }],
    // No zone: read as London local time.
    ['2026-06-02T09:00:00', { ms: at('2026-06-02T08:00:00Z'), offsetMinutes: null, zulu: false }],
  ])('parses the FHIR dateTime %s', (s, expected) => {
    expect(parseFhirInstant(s)).toEqual(expected);
  });

  it.each([
    '2026-06-02',
    '2026-06-02T09:00',
    '2026-02-30T09:00:00Z',
    '2026-06-02T24:00:00Z',
    '2026-06-02T09:00:00+1:00',
    ' 2026-06-02T09:00:00Z',
  ])('does not parse %j', (s) => {
    expect(parseFhirInstant(s)).toBeUndefined();
  });
});
