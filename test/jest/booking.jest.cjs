// A consumer's Jest test file in CommonJS: require the package, start a sandbox, book a slot.
const { startSandbox, buildEnvelope } = require('gpconnect-sandbox');

let sandbox;

beforeAll(async () => {
  // The sandbox clock frozen on 1 June 2026, so tomorrow's 09:00 slot with Dr p1 is s1-202606020900.
  sandbox = await startSandbox({ port: 0, clock: '2026-06-01T08:00:00+01:00' });
});

afterAll(() => sandbox.close());

const booking = {
  resourceType: 'Appointment',
  status: 'booked',
  slot: [{ reference: 'Slot/s1-202606020900' }],
  participant: [{ actor: { reference: 'Patient/1' }, status: 'booked' }],
  description: 'Sore throat',
};

test('resolves the CommonJS entry', () => {
  expect(require.resolve('gpconnect-sandbox')).toMatch(/index\.cjs$/);
  expect(buildEnvelope('create:appointment-1')['Ssp-InteractionID']).toBe(
    'urn:nhs:names:services:gpconnect:fhir:rest:create:appointment-1',
  );
});

test('books a slot once; the second booking is refused as a duplicate', async () => {
  const book = () =>
    fetch(`${sandbox.fhirBase}/Appointment`, {
      method: 'POST',
      headers: sandbox.headers('create:appointment-1'),
      body: JSON.stringify(booking),
    });
  const first = await book();
  expect(first.status).toBe(201);
  expect((await first.json()).slot[0].reference).toBe('Slot/s1-202606020900');
  const again = await book();
  expect(again.status).toBe(422);
  expect(JSON.stringify(await again.json())).toContain('DUPLICATE_REJECTED');
  expect(sandbox.state().counts.appointments).toBe(1);
});

test('keeps the state in a db file (the file store loads under Jest too)', async () => {
  const { mkdtempSync, readFileSync } = require('node:fs');
  const { join } = require('node:path');
  const db = join(mkdtempSync(join(require('node:os').tmpdir(), 'gpc-jest-db-')), 'state.json');
  const withDb = await startSandbox({ port: 0, db, clock: '2026-06-01T08:00:00+01:00' });
  const res = await fetch(`${withDb.fhirBase}/Appointment`, {
    method: 'POST',
    headers: withDb.headers('create:appointment-1'),
    body: JSON.stringify(booking),
  });
  expect(res.status).toBe(201);
  await withDb.close();
  expect(JSON.parse(readFileSync(db, 'utf8')).state.appointments).toHaveLength(1);
});
