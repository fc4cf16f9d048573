// issue 14 item 12: adjacent slots that differ in delivery channel or slot type (seed/README.md,
// s3's afternoon) exist, are served with their own values, and are refused when booked together
// (GP Connect 1.2.7 book an appointment, "Booking multiple adjacent slots": same schedule,
// deliveryChannel and serviceType).
import { afterEach, describe, expect, it } from 'vitest';
import { generateSeed } from '../../src/seeding/generator.js';
import type { ProfileName } from '../helpers/appointments.js';
import { gpcBooking } from '../helpers/bodies.js';
import { entries, expectOutcome, fhirBody, type Loose } from '../helpers/outcome.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

const PROFILES: ProfileName[] = ['careconnect', 'gpconnect-1.2.7'];
const CHANNEL_URL = 'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-DeliveryChannel-2';

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

/** An s3 slot (10 minutes, BST) on 2 June 2026 at a local time. */
function s3Slot(time: string): { id: string; start: string; end: string } {
  const [h, m] = time.split(':').map(Number) as [number, number];
  const end = h * 60 + m + 10;
  const hhmm = `${String(Math.floor(end / 60)).padStart(2, '0')}:${String(end % 60).padStart(2, '0')}`;
  return {
    id: `s3-20260602${time.replace(':', '')}`,
    start: `2026-06-02T${time}:00+01:00`,
    end: `2026-06-02T${hhmm}:00+01:00`,
  };
}

function bookingOf(profile: ProfileName, times: string[]): Record<string, unknown> {
  const slots = times.map(s3Slot);
  if (profile === 'gpconnect-1.2.7') return gpcBooking({ slots, locationId: 'l3' });
  return {
    resourceType: 'Appointment',
    status: 'booked',
    slot: slots.map((s) => ({ reference: `Slot/${s.id}` })),
    participant: [{ actor: { reference: 'Patient/1' }, status: 'booked' }],
  };
}

function book(sb: TestSandbox, profile: ProfileName, times: string[]) {
  return sb.http
    .post('/Appointment')
    .set(envelope('create:appointment-1'))
    .set('Content-Type', 'application/fhir+json')
    .send(JSON.stringify(bookingOf(profile, times)));
}

const channelOf = (resource: Loose) =>
  (resource.extension as Array<{ url: string; valueCode?: string }>).find((e) => e.url === CHANNEL_URL)
    ?.valueCode;

describe.each(PROFILES)('adjacent slots that differ (%s)', (profile) => {
  it('serves each s3 slot with its own delivery channel and slot type', async () => {
    sandbox = testSandbox({ profile });
    const res = await sandbox.http
      .get('/Slot')
      .query(
        'start=ge2026-06-02T15:50:00%2B01:00&end=le2026-06-02T17:10:00%2B01:00&status=free&_include=Slot:schedule',
      )
      .set(envelope('search:slot-1'));
    expect(res.status).toBe(200);
    const byId = new Map(entries(res, 'Slot').map((s) => [s.id, s]));
    const seen = (time: string) => {
      const slot = byId.get(s3Slot(time).id);
      return [channelOf(slot), slot.serviceType[0].text];
    };
    expect(seen('15:50')).toEqual(['In-person', 'General Appointment']);
    expect(seen('16:00')).toEqual(['Telephone', 'General Appointment']);
    expect(seen('16:50')).toEqual(['Telephone', 'General Appointment']);
    expect(seen('17:00')).toEqual(['Telephone', 'Telephone consultation']);
  });

  it.each([
    [
      'differ in delivery channel',
      ['15:50', '16:00'],
      /delivery channel "Telephone", but Slot\/s3-202606021550 is "In-person"/,
    ],
    ['differ in delivery channel (sent in reverse order)', ['16:00', '15:50'], /delivery channel/],
    [
      'differ in slot type only',
      ['16:50', '17:00'],
      /slot type \(serviceType\) "Telephone consultation", but Slot\/s3-202606021650 is "General Appointment"/,
    ],
    ['differ in both, three slots', ['16:40', '16:50', '17:00'], /slot type/],
  ])('refuses two adjacent slots that %s with 422 INVALID_RESOURCE', async (_, times, diagnostics) => {
    sandbox = testSandbox({ profile });
    expect(expectOutcome(await book(sandbox, profile, times), 422, 'INVALID_RESOURCE')).toMatch(diagnostics);
    expect(sandbox.core.defaultWorld.state.appointments.size).toBe(0);
  });

  it('books adjacent slots that share channel and slot type, with their values', async () => {
    sandbox = testSandbox({ profile });
    const res = await book(sandbox, profile, ['16:00', '16:10']);
    expect(res.status).toBe(201);
    const booked = fhirBody(res);
    expect(booked.slot).toEqual([
      { reference: 'Slot/s3-202606021600' },
      { reference: 'Slot/s3-202606021610' },
    ]);
    if (profile === 'gpconnect-1.2.7') {
      expect(channelOf(booked)).toBe('Telephone');
      expect(booked.serviceType).toEqual([{ text: 'General Appointment' }]);
    }
  });
});

describe("gpc-sandbox seed's generator", () => {
  it.each([1, 2, 3, 8])('gives %i practitioners a schedule whose adjacent slots differ', (practitioners) => {
    const seed = generateSeed({ randomSeed: 7, patients: 1, practitioners, days: 1 });
    const schedules = seed['schedules.json'] as Array<{ id: string; pattern: Loose }>;
    const mixed = schedules.filter((s) => s.pattern.variants);
    expect(mixed.length).toBeGreaterThanOrEqual(1);
    for (const s of mixed) {
      const [a, b] = s.pattern.variants;
      expect(a.deliveryChannel).not.toBe(s.pattern.deliveryChannel);
      expect(b.deliveryChannel).toBe(a.deliveryChannel);
      expect(b.serviceType).not.toBe(a.serviceType ?? s.pattern.serviceType);
      expect(a.to).toBe(b.from);
    }
  });
});
