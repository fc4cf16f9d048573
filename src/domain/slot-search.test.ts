import { describe, expect, it } from 'vitest';
import type { Schedule } from './model.js';
import { offeredTo } from './slot-search.js';

function schedule(restriction: Schedule['pattern']['restriction'], bookable = true): Schedule {
  return {
    id: 's',
    locationId: 'l',
    serviceCategory: 'x',
    practitionerRole: { code: 'R0260', display: 'General Medical Practitioner' },
    pattern: {
      weekdays: [1],
      from: '08:00',
      to: '09:00',
      slotMinutes: 10,
      deliveryChannel: 'In-person',
      serviceType: 'x',
      bookable,
      ...(restriction ? { restriction } : {}),
    },
  };
}

const none = { orgTypes: [], odsCodes: [] };
const type = { orgTypes: ['urgent-care'], odsCodes: [] };
const ods = { orgTypes: [], odsCodes: ['A11111'] };
const both = { orgTypes: ['urgent-care'], odsCodes: ['A11111'] };

// GPC 1.2.7 appointments_provider_sys_slot_availability.md, as a table.
describe('the slot availability matrix', () => {
  it.each([
    ['an unrestricted slot', undefined, [true, true, true, true]],
    ['a type-restricted slot', { orgType: 'urgent-care' as const }, [false, true, false, true]],
    ['an ODS-restricted slot', { odsCode: 'A11111' }, [false, false, true, true]],
    [
      'a slot restricted by type and ODS',
      { orgType: 'urgent-care' as const, odsCode: 'A11111' },
      [false, false, false, true],
    ],
  ])(
    'offers %s to searches with no filter, a type, an ODS code, both: %j',
    (_title, restriction, expected) => {
      expect([none, type, ods, both].map((c) => offeredTo(schedule(restriction), c))).toEqual(expected);
    },
  );

  it('offers a restriction only to a matching filter', () => {
    expect(offeredTo(schedule({ orgType: 'urgent-care' }), { orgTypes: ['gp-practice'], odsCodes: [] })).toBe(
      false,
    );
    expect(offeredTo(schedule({ odsCode: 'A11111' }), { orgTypes: [], odsCodes: ['B22222'] })).toBe(false);
  });

  it('never offers a schedule that is not GP Connect bookable', () => {
    expect([none, type, ods, both].some((c) => offeredTo(schedule(undefined, false), c))).toBe(false);
  });
});
