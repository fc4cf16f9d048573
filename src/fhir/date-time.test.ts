import { describe, expect, it } from 'vitest';
import { normaliseDateTimes, readRequestInstant } from './date-time.js';
import { SpineError } from './operation-outcome.js';

const NOW = Date.parse('2026-06-01T07:00:00Z'); // 08:00 BST

describe('readRequestInstant', () => {
  it.each([
    ['2026-06-01T07:55:00+01:00', '2026-06-01T07:55:00+01:00', undefined],
    ['2026-06-01T06:55:00Z', '2026-06-01T07:55:00+01:00', /was stored as/],
    ['2026-06-01T06:55:00.5597110+00:00', '2026-06-01T07:55:00+01:00', /no fraction/],
    ['2026-06-01T06:55:00.9999999Z', '2026-06-01T07:55:00+01:00', /was stored as/],
    ['2026-12-01T09:00:00+01:00', '2026-12-01T08:00:00+00:00', /was stored as.*lies after/],
    ['2026-03-29T00:59:59Z', '2026-03-29T00:59:59+00:00', /was stored as/],
    ['2026-03-29T01:00:00Z', '2026-03-29T02:00:00+01:00', /was stored as/],
    ['2026-10-25T00:30:00Z', '2026-10-25T01:30:00+01:00', /was stored as/],
    ['2026-10-25T01:30:00Z', '2026-10-25T01:30:00+00:00', /was stored as/],
  ])('reads %s as %s', (sent, stored, warning) => {
    const read = readRequestInstant(sent, 'created', NOW);
    expect(read.text).toBe(stored);
    if (warning) expect(read.warning).toMatch(warning);
    else expect(read.warning).toBeUndefined();
  });

  it.each([
    ['2026-06-01', /date without a time/],
    ['2026-06', /date without a time/],
    ['2026-06-01T07:55:00', /has no zone/],
    ['2026-06-01T07:55Z', /has no seconds/],
    ['2026-06-01T07:55:00+01', /malformed offset/],
    ['2026-06-01T07:55:00 +01:00', /malformed offset/],
    ['2026-06-31T07:55:00+01:00', /not a real date and time/],
    ['2026-06-01T24:00:00+01:00', /not a real date and time/],
    ['', /is not a FHIR dateTime/],
    [' 2026-06-01T07:55:00+01:00', /is not a FHIR dateTime/],
  ])('refuses %j naming the element', (sent, why) => {
    let error: unknown;
    try {
      readRequestInstant(sent, 'requestedPeriod[0].start', NOW);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SpineError);
    expect((error as SpineError).code).toBe('INVALID_RESOURCE');
    expect((error as SpineError).diagnostics).toMatch(/^requestedPeriod\[0\]\.start /);
    expect((error as SpineError).diagnostics).toMatch(why);
  });
});

describe('normaliseDateTimes', () => {
  it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'])(
    'finds no type for a contained resourceType or element named %s (names of Object.prototype)',
    (name) => {
      const resource = {
        resourceType: 'Appointment',
        contained: [{ resourceType: name, [name]: '2026-06-01T06:00:00Z' }],
        [name]: { start: '2026-06-01T06:00:00Z' },
      };
      const copy = structuredClone(resource);
      expect(normaliseDateTimes(resource, { skip: [], warnings: [] })).toEqual(copy);
    },
  );

  it('rewrites every dateTime and instant of a resource, skipping what it is told to, without changing its input', () => {
    const resource = {
      resourceType: 'Appointment',
      start: '2026-06-02T08:00:00Z',
      created: '2026-06-01T06:00:00Z',
      requestedPeriod: [{ start: '2026-06-02T08:00:00.1Z' }],
      extension: [
        { url: 'x', valueDateTime: '2026-06-01T06:00:00Z' },
        { url: 'y', valueString: '2026-06-01' },
      ],
      contained: [{ resourceType: 'Organization', id: '1', meta: { lastUpdated: '2026-06-01T06:00:00Z' } }],
    };
    const copy = structuredClone(resource);
    const warnings: string[] = [];
    const out = normaliseDateTimes(resource, { skip: ['start'], warnings });
    expect(resource).toEqual(copy);
    expect(out).toEqual({
      ...resource,
      created: '2026-06-01T07:00:00+01:00',
      requestedPeriod: [{ start: '2026-06-02T09:00:00+01:00' }],
      extension: [
        { url: 'x', valueDateTime: '2026-06-01T07:00:00+01:00' },
        { url: 'y', valueString: '2026-06-01' },
      ],
      contained: [
        { resourceType: 'Organization', id: '1', meta: { lastUpdated: '2026-06-01T07:00:00+01:00' } },
      ],
    });
    expect(warnings.map((w) => w.split(' ')[0])).toEqual([
      'created',
      'requestedPeriod[0].start',
      'extension[0].valueDateTime',
      'contained[0].meta.lastUpdated',
    ]);
  });

  it('returns the resource itself when nothing changes', () => {
    const resource = { resourceType: 'Appointment', created: '2026-06-01T07:00:00+01:00', status: 'booked' };
    expect(normaliseDateTimes(resource, { warnings: [] })).toBe(resource);
  });
});
