import { afterEach, describe, expect, it } from 'vitest';
import { gpcBooking, seedExample } from '../helpers/bodies.js';
import { entries } from '../helpers/outcome.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

/**
 * A slot search repeated with nothing changed answers the text it built last time (bench: slot
 * search against bare Express); anything that changes the answer must still change it.
 */
const PROFILES = ['careconnect', 'gpconnect-1.2.7'] as const;
/** Monday 1 June 2026, the frozen clock's today (08:00 London). */
const MONDAY = 'status=free&start=ge2026-06-01&end=le2026-06-01&_include=Slot:schedule';
const TUESDAY = 'status=free&start=ge2026-06-02&end=le2026-06-02&_include=Slot:schedule';
const WITH_PRACTITIONERS = `${TUESDAY}&_include:recurse=Schedule:actor:Practitioner`;

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

function search(query: string, session?: string) {
  const req = sandbox.http.get(`/Slot?${query}`).set(envelope('search:slot-1'));
  return session ? req.set('X-Sandbox-Session', session) : req;
}

const slotIds = (res: Awaited<ReturnType<typeof search>>) => entries(res, 'Slot').map((s) => s.id);

describe.each(PROFILES)('a repeated slot search (%s)', (profile) => {
  const booking = () => (profile === 'careconnect' ? seedExample() : gpcBooking());

  it('answers the same bytes while nothing changed, and leaves out a slot booked in between', async () => {
    sandbox = testSandbox({ profile });
    const first = await search(TUESDAY);
    const again = await search(TUESDAY);
    expect(again.text).toBe(first.text);
    expect(slotIds(first)).toContain('s1-202606020900');
    await sandbox.http
      .post('/Appointment')
      .set(envelope('create:appointment-1'))
      .set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify(booking()))
      .expect(201);
    const after = await search(TUESDAY);
    expect(slotIds(after)).not.toContain('s1-202606020900');
    expect(slotIds(after)).toHaveLength(slotIds(first).length - 1);
    expect(JSON.parse(after.text).total).toBe(slotIds(first).length - 1);
  });

  it('answers each world, each set of includes and each moment of the clock with its own slots', async () => {
    sandbox = testSandbox({ profile });
    await search(TUESDAY, 'a');
    await sandbox.http
      .post('/Appointment')
      .set(envelope('create:appointment-1'))
      .set('Content-Type', 'application/fhir+json')
      .set('X-Sandbox-Session', 'a')
      .send(JSON.stringify(booking()))
      .expect(201);
    expect(slotIds(await search(TUESDAY, 'a'))).not.toContain('s1-202606020900');
    expect(slotIds(await search(TUESDAY))).toContain('s1-202606020900');
    expect(slotIds(await search(TUESDAY, 'a'))).not.toContain('s1-202606020900');

    const plain = await search(TUESDAY);
    const withPractitioners = await search(WITH_PRACTITIONERS);
    expect(entries(plain, 'Practitioner')).toHaveLength(0);
    expect(entries(withPractitioners, 'Practitioner').length).toBeGreaterThan(0);
    expect(entries(await search(TUESDAY), 'Practitioner')).toHaveLength(0);

    const before = slotIds(await search(MONDAY));
    expect(before).toContain('s1-202606010900');
    await sandbox.http.put('/_admin/clock').send({ advance: 'PT2H' }).expect(200);
    const later = slotIds(await search(MONDAY));
    expect(later).not.toContain('s1-202606010900');
    expect(later.length).toBeLessThan(before.length);
  });
});
