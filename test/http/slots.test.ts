import { afterEach, describe, expect, it } from 'vitest';
import { gpcBooking, seedExample } from '../helpers/bodies.js';
import { entries, expectOutcome, fhirBody, type Loose } from '../helpers/outcome.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

const PROFILES = ['careconnect', 'gpconnect-1.2.7'] as const;
const ORG_TYPE = 'https://fhir.nhs.uk/STU3/CodeSystem/GPConnect-OrganisationType-1';
const ODS = 'https://fhir.nhs.uk/Id/ods-organization-code';
const SD = 'https://fhir.nhs.uk/STU3/StructureDefinition';
const ALL_INCLUDES =
  '_include=Slot:schedule&_include:recurse=Schedule:actor:Practitioner&_include:recurse=Schedule:actor:Location&_include:recurse=Location:managingOrganization';
/** Tuesday 2 June 2026, the day after the frozen clock's today. */
const TUESDAY = 'status=free&start=ge2026-06-02&end=le2026-06-02';
const filter = (system: string, code: string) => `searchFilter=${encodeURIComponent(`${system}|${code}`)}`;

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

function search(sb: TestSandbox, query: string) {
  return sb.http.get(`/Slot?${query}`).set(envelope('search:slot-1'));
}

/** Schedule ids of the returned slots, sorted. */
const scheduleIds = (slots: Loose[]) => [...new Set(slots.map((s) => s.schedule.reference.slice(9)))].sort();

const dt = (s: string) => encodeURIComponent(s);

describe.each(PROFILES)('search for free slots (%s)', (profile) => {
  it('returns a day of free slots with their schedules, practitioners, locations and organisations', async () => {
    sandbox = testSandbox({ profile });
    const res = await search(sandbox, `${TUESDAY}&${ALL_INCLUDES}`);
    expect(res.status).toBe(200);
    const body = fhirBody(res);
    expect(body.meta.profile).toEqual([`${SD}/GPConnect-Searchset-Bundle-1`]);
    const slots = entries(res, 'Slot');
    // s1..s4 run 08:00-18:00 every 10 minutes; the restricted and practice-only schedules are hidden.
    expect(slots).toHaveLength(240);
    expect(body.total).toBe(240);
    expect(scheduleIds(slots)).toEqual(['s1', 's2', 's3', 's4']);
    expect(slots[0]).toEqual({
      resourceType: 'Slot',
      id: 's1-202606020800',
      meta: { versionId: '1', profile: [`${SD}/GPConnect-Slot-1`] },
      extension: [{ url: `${SD}/Extension-GPConnect-DeliveryChannel-2`, valueCode: 'In-person' }],
      serviceType: [{ text: 'General Appointment' }],
      schedule: { reference: 'Schedule/s1' },
      status: 'free',
      start: '2026-06-02T08:00:00+01:00',
      end: '2026-06-02T08:10:00+01:00',
    });
    for (const slot of slots) {
      expect(slot.start.startsWith('2026-06-02T')).toBe(true);
      expect(slot.specialty).toBeUndefined();
    }
    expect(
      entries(res, 'Schedule')
        .map((s) => s.id)
        .sort(),
    ).toEqual(['s1', 's2', 's3', 's4']);
    const schedule = entries(res, 'Schedule').find((s) => s.id === 's1');
    expect(schedule.meta.profile).toEqual([`${SD}/GPConnect-Schedule-1`]);
    expect(schedule.actor).toEqual([{ reference: 'Location/l1' }, { reference: 'Practitioner/p1' }]);
    expect(schedule.planningHorizon.start).toBe('2026-06-01T00:00:00+01:00');
    expect(schedule.serviceCategory).toEqual({ text: 'GP surgery' });
    expect(
      entries(res, 'Practitioner')
        .map((p) => p.id)
        .sort(),
    ).toEqual(['p1', 'p2', 'p3', 'p4']);
    expect(
      entries(res, 'Location')
        .map((l) => l.id)
        .sort(),
    ).toEqual(['l1', 'l2', 'l3']);
    expect(
      entries(res, 'Organization')
        .map((o) => o.id)
        .sort(),
    ).toEqual(['o1', 'o2']);
  });

  it('always includes the organisation, and practitioners and locations only when asked', async () => {
    sandbox = testSandbox({ profile });
    const res = await search(sandbox, `${TUESDAY}&_include=Slot:schedule`);
    expect(res.status).toBe(200);
    expect([...new Set(entries(res).map((r) => r.resourceType))]).toEqual([
      'Slot',
      'Schedule',
      'Organization',
    ]);
  });

  it.each([
    ['no filter: only unrestricted slots', '', ['s1', 's2', 's3', 's4']],
    [
      'an organisation type filter: its type-restricted slots too',
      filter(ORG_TYPE, 'urgent-care'),
      ['s1', 's2', 's3', 's4', 'urgent-care'],
    ],
    [
      'another organisation type: not the urgent-care slots',
      filter(ORG_TYPE, 'gp-practice'),
      ['s1', 's2', 's3', 's4'],
    ],
    [
      'an ODS filter: its ODS-restricted slots too',
      filter(ODS, 'A11111'),
      ['a11111-only', 's1', 's2', 's3', 's4'],
    ],
    [
      'the legacy ODS system',
      filter('http://fhir.nhs.net/Id/ods-organization-code', 'A11111'),
      ['a11111-only', 's1', 's2', 's3', 's4'],
    ],
    ['another ODS code: not the A11111 slots', filter(ODS, 'B22222'), ['s1', 's2', 's3', 's4']],
    [
      'both filters: each restriction met by its filter',
      `${filter(ORG_TYPE, 'urgent-care')}&${filter(ODS, 'A11111')}`,
      ['a11111-only', 's1', 's2', 's3', 's4', 'urgent-care'],
    ],
    [
      'an unknown filter system, which is ignored',
      filter('https://example.org/filter', 'x'),
      ['s1', 's2', 's3', 's4'],
    ],
    // PTS SearchForFreeSlots.feature sends org type "oncology", alone and with ODS codes, and expects 200.
    [
      'an organisation type this provider does not know: no type-restricted slots',
      filter(ORG_TYPE, 'oncology'),
      ['s1', 's2', 's3', 's4'],
    ],
    [
      'an unknown organisation type and an ODS code: each restriction met by its filter',
      `${filter(ORG_TYPE, 'oncology')}&${filter(ODS, 'A11111')}`,
      ['a11111-only', 's1', 's2', 's3', 's4'],
    ],
    [
      'an organisation type in other capitals, which is another (unknown) code',
      filter(ORG_TYPE, 'Urgent-Care'),
      ['s1', 's2', 's3', 's4'],
    ],
    ['an ODS code this sandbox does not know', filter(ODS, 'RNR01'), ['s1', 's2', 's3', 's4']],
  ])('applies the slot availability matrix with %s', async (_title, filters, schedules) => {
    sandbox = testSandbox({ profile });
    const res = await search(sandbox, `${TUESDAY}&_include=Slot:schedule&${filters}`);
    expect(res.status).toBe(200);
    const slots = entries(res, 'Slot');
    expect(scheduleIds(slots)).toEqual(schedules);
    expect(
      entries(res, 'Schedule')
        .map((s) => s.id)
        .sort(),
    ).toEqual(schedules);
    expect(slots.some((s) => s.schedule.reference === 'Schedule/practice-only')).toBe(false);
  });

  it('returns only slots wholly inside a dateTime window', async () => {
    sandbox = testSandbox({ profile });
    const window = `start=ge${encodeURIComponent('2026-06-02T09:00:00+01:00')}&end=le${encodeURIComponent('2026-06-02T09:35:00+01:00')}`;
    const res = await search(sandbox, `status=free&${window}&_include=Slot:schedule`);
    const starts = [...new Set(entries(res, 'Slot').map((s) => s.start))].sort();
    expect(starts).toEqual([
      '2026-06-02T09:00:00+01:00',
      '2026-06-02T09:10:00+01:00',
      '2026-06-02T09:20:00+01:00',
    ]);
  });

  it('returns only future slots today (the sandbox clock is 08:00)', async () => {
    sandbox = testSandbox({ profile });
    const res = await search(
      sandbox,
      'status=free&start=ge2026-06-01&end=le2026-06-01&_include=Slot:schedule',
    );
    const slots = entries(res, 'Slot');
    expect(slots[0].start).toBe('2026-06-01T08:10:00+01:00');
    expect(slots.every((s) => s.start > '2026-06-01T08:00:00+01:00')).toBe(true);
  });

  it('leaves out a booked slot', async () => {
    sandbox = testSandbox({ profile });
    const body = profile === 'careconnect' ? seedExample() : gpcBooking();
    const booked = await sandbox.http
      .post('/Appointment')
      .set(envelope('create:appointment-1'))
      .set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify(body));
    expect(booked.status).toBe(201);
    const slots = entries(await search(sandbox, `${TUESDAY}&_include=Slot:schedule`), 'Slot');
    expect(slots).toHaveLength(239);
    expect(slots.some((s) => s.id === 's1-202606020900')).toBe(false);
  });

  it.each([
    ['beyond the 28-day horizon', 'start=ge2026-07-10&end=le2026-07-11'],
    ['wholly in the past', 'start=ge2026-05-20&end=le2026-05-21'],
  ])('returns an empty searchset for a window %s', async (_title, window) => {
    sandbox = testSandbox({ profile });
    const res = await search(sandbox, `status=free&${window}&_include=Slot:schedule`);
    expect(res.status).toBe(200);
    expect(fhirBody(res).total).toBe(0);
    expect(entries(res)).toEqual([]);
  });

  it.each([
    ['0 days', 'start=ge2026-06-02&end=le2026-06-02'],
    ['8 days', 'start=ge2026-06-02&end=le2026-06-10'],
    ['14 days', 'start=ge2026-06-02&end=le2026-06-16'],
    [
      '14 days of dateTimes',
      `start=ge${encodeURIComponent('2026-06-02T08:00:00+01:00')}&end=le${encodeURIComponent('2026-06-16T08:00:00+01:00')}`,
    ],
  ])('accepts a range of %s', async (_title, window) => {
    sandbox = testSandbox({ profile });
    const res = await search(sandbox, `status=free&${window}&_include=Slot:schedule`);
    expect(res.status).toBe(200);
    expect(fhirBody(res).total).toBeGreaterThan(0);
  });

  it.each([
    ['a dateTime in BST', '2026-06-02T09:00:00+01:00', '2026-06-02T09:00:00+01:00'],
    ['the same instant written with two offsets', '2026-06-02T09:00:00+01:00', '2026-06-02T08:00:00+00:00'],
    ['a date-only start and a midnight end', '2026-06-02', '2026-06-02T00:00:00+01:00'],
  ])('answers 200 (no slots fit) for a zero-length range: %s', async (_title, start, end) => {
    sandbox = testSandbox({ profile });
    const res = await search(
      sandbox,
      `status=free&start=ge${dt(start)}&end=le${dt(end)}&_include=Slot:schedule`,
    );
    expect({ status: res.status, text: res.text.slice(0, 300) }).toMatchObject({ status: 200 });
    expect(fhirBody(res).total).toBe(0);
    expect(entries(res)).toEqual([]);
  });

  it.each([
    [
      'start missing',
      'end=le2026-06-02&status=free&_include=Slot:schedule',
      400,
      'BAD_REQUEST',
      /start is required/,
    ],
    [
      'end missing',
      'start=ge2026-06-02&status=free&_include=Slot:schedule',
      400,
      'BAD_REQUEST',
      /end is required/,
    ],
    [
      'status missing',
      'start=ge2026-06-02&end=le2026-06-02&_include=Slot:schedule',
      400,
      'BAD_REQUEST',
      /status is required/,
    ],
    [
      'a wrongly cased status',
      'start=ge2026-06-02&end=le2026-06-02&Status=free&_include=Slot:schedule',
      400,
      'BAD_REQUEST',
      /"Status"/,
    ],
    ['_include=Slot:schedule missing', TUESDAY, 400, 'BAD_REQUEST', /_include=Slot:schedule/],
    [
      'start missing, before a bad end',
      'end=lt2026&status=free&_include=Slot:schedule',
      400,
      'BAD_REQUEST',
      /start is required/,
    ],
    [
      '_include missing, before a bad start',
      'start=gt2026&end=le2026-06-02&status=free',
      400,
      'BAD_REQUEST',
      /_include=Slot:schedule/,
    ],
    [
      'status busy',
      'start=ge2026-06-02&end=le2026-06-02&status=busy&_include=Slot:schedule',
      422,
      'INVALID_PARAMETER',
      /status "busy"/,
    ],
    [
      'start with the le prefix',
      'start=le2026-06-02&end=le2026-06-02&status=free&_include=Slot:schedule',
      422,
      'INVALID_PARAMETER',
      /start "le2026-06-02" has the prefix "le"/,
    ],
    [
      'start with the gt prefix',
      'start=gt2026-06-02&end=le2026-06-02&status=free&_include=Slot:schedule',
      422,
      'INVALID_PARAMETER',
      /prefix "gt"/,
    ],
    [
      'end with the ge prefix',
      'start=ge2026-06-02&end=ge2026-06-02&status=free&_include=Slot:schedule',
      422,
      'INVALID_PARAMETER',
      /end "ge2026-06-02"/,
    ],
    [
      'start with no prefix',
      'start=2026-06-02&end=le2026-06-02&status=free&_include=Slot:schedule',
      422,
      'INVALID_PARAMETER',
      /start "2026-06-02" has no prefix/,
    ],
    [
      'an empty start',
      'start=&end=le2026-06-02&status=free&_include=Slot:schedule',
      422,
      'INVALID_PARAMETER',
      /start is empty/,
    ],
    [
      'a year alone',
      'start=ge2026&end=le2026-06-02&status=free&_include=Slot:schedule',
      422,
      'INVALID_PARAMETER',
      /partial date/,
    ],
    [
      'a year and month',
      'start=ge2026-06-02&end=le2026-06&status=free&_include=Slot:schedule',
      422,
      'INVALID_PARAMETER',
      /end "le2026-06" is a partial date/,
    ],
    [
      'a year no answer could be written for',
      'start=ge9999-12-30&end=le9999-12-31&status=free&_include=Slot:schedule',
      422,
      'INVALID_PARAMETER',
      /start "ge9999-12-30" is past the years this provider serves/,
    ],
    [
      'an impossible date',
      'start=ge2026-02-30&end=le2026-03-02&status=free&_include=Slot:schedule',
      422,
      'INVALID_PARAMETER',
      /not a calendar date/,
    ],
    [
      'not a date',
      'start=gehello&end=le2026-06-02&status=free&_include=Slot:schedule',
      422,
      'INVALID_PARAMETER',
      /start "gehello" is not a date/,
    ],
    [
      'a dateTime in UTC (Z)',
      `start=ge${dt('2026-06-02T09:00:00Z')}&end=le2026-06-02&status=free&_include=Slot:schedule`,
      422,
      'INVALID_PARAMETER',
      /Z \(UTC\) suffix/,
    ],
    [
      'a dateTime with no offset',
      'start=ge2026-06-02T09:00:00&end=le2026-06-02&status=free&_include=Slot:schedule',
      422,
      'INVALID_PARAMETER',
      /no offset/,
    ],
    [
      'a range of 15 days',
      'start=ge2026-06-02&end=le2026-06-17&status=free&_include=Slot:schedule',
      422,
      'INVALID_PARAMETER',
      /15 days.*at most 14/,
    ],
    [
      'a range of 31 days',
      'start=ge2026-06-02&end=le2026-07-03&status=free&_include=Slot:schedule',
      422,
      'INVALID_PARAMETER',
      /31 days/,
    ],
    [
      'end before start',
      'start=ge2026-06-03&end=le2026-06-02&status=free&_include=Slot:schedule',
      422,
      'INVALID_PARAMETER',
      /end is before start/,
    ],
    [
      'a dateTime end one second before start',
      `start=ge${dt('2026-06-02T09:00:00+01:00')}&end=le${dt('2026-06-02T08:59:59+01:00')}&status=free&_include=Slot:schedule`,
      422,
      'INVALID_PARAMETER',
      /end is before start/,
    ],
    [
      'start twice',
      'start=ge2026-06-02&start=ge2026-06-03&end=le2026-06-04&status=free&_include=Slot:schedule',
      422,
      'INVALID_PARAMETER',
      /start was sent 2 times/,
    ],
    [
      'a searchFilter with no system',
      `${TUESDAY}&_include=Slot:schedule&searchFilter=A11111`,
      422,
      'INVALID_PARAMETER',
      /searchFilter "A11111" has no system/,
    ],
    [
      'an organisation type filter with a blank code',
      `${TUESDAY}&_include=Slot:schedule&${filter(ORG_TYPE, '')}`,
      422,
      'INVALID_PARAMETER',
      /searchFilter ".*" has a blank value/,
    ],
    [
      'a searchFilter with a blank system',
      `${TUESDAY}&_include=Slot:schedule&searchFilter=${encodeURIComponent('|urgent-care')}`,
      422,
      'INVALID_PARAMETER',
      /searchFilter "\|urgent-care" has a blank system/,
    ],
  ])('refuses %s', async (_title, query, status, code, diagnostics) => {
    sandbox = testSandbox({ profile });
    expect(expectOutcome(await search(sandbox, query), status, code)).toMatch(diagnostics);
  });
});

describe('a slot search answered from cached JSON', () => {
  it('says the same in JSON, twice, as in XML built from the resources', async () => {
    const { fromFhirXml } = await import('../../src/fhir/xml.js');
    sandbox = testSandbox({ profile: 'gpconnect-1.2.7' });
    const url =
      '/Slot?start=ge2026-06-02&end=le2026-06-02&status=free&_include=Slot:schedule&_include:recurse=Schedule:actor:Practitioner&_include:recurse=Schedule:actor:Location';
    const first = await sandbox.http.get(url).set(envelope('search:slot-1'));
    const second = await sandbox.http.get(url).set(envelope('search:slot-1'));
    const xml = await sandbox.http
      .get(`${url}&_format=application/fhir%2Bxml`)
      .set(envelope('search:slot-1'));
    expect(first.status).toBe(200);
    expect(second.text).toBe(first.text);
    const json = JSON.parse(first.text) as { total: number; entry: unknown[] };
    expect(json.total).toBeGreaterThan(100);
    expect(fromFhirXml(xml.text)).toEqual(json);
  });

  it('leaves out a slot once it is booked', async () => {
    sandbox = testSandbox();
    const url = '/Slot?start=ge2026-06-02&end=le2026-06-02&status=free&_include=Slot:schedule';
    const before = JSON.parse((await sandbox.http.get(url).set(envelope('search:slot-1'))).text) as {
      total: number;
    };
    await sandbox.http
      .post('/Appointment')
      .set(envelope('create:appointment-1'))
      .send(JSON.stringify(seedExample()));
    const after = JSON.parse((await sandbox.http.get(url).set(envelope('search:slot-1'))).text) as {
      total: number;
      entry: Array<{ resource: { id: string } }>;
    };
    expect(after.total).toBe(before.total - 1);
    expect(after.entry.map((e) => e.resource.id)).not.toContain('s1-202606020900');
  });
});
