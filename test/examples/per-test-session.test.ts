// README "Use it in your tests": each test books in its own session of the shared sandbox.
import { randomUUID } from 'node:crypto';
import { buildEnvelope } from 'gpconnect-sandbox';
import { beforeEach, expect, inject, it } from 'vitest';

const base = inject('sandboxUrl');
let session: Record<string, string>;

beforeEach(() => {
  session = { 'X-Sandbox-Session': randomUUID() }; // a fresh copy of the seeded state per test
});

async function bookTomorrowAtNine() {
  const day = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
  return fetch(`${base}/Appointment`, {
    method: 'POST',
    headers: { ...buildEnvelope('create:appointment-1'), ...session },
    body: JSON.stringify({
      resourceType: 'Appointment',
      status: 'booked',
      slot: [{ reference: `Slot/s1-${day}0900` }],
      participant: [{ actor: { reference: 'Patient/1' }, status: 'booked' }],
    }),
  });
}

it('books a slot', async () => {
  expect((await bookTomorrowAtNine()).status).toBe(201);
});

it('books the same slot again, in its own session', async () => {
  expect((await bookTomorrowAtNine()).status).toBe(201);
});
