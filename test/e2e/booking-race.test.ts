import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { buildEnvelope } from '../../src/auth/build-headers.js';
import { startSandbox } from '../../src/index.js';
import { coreOf } from '../../src/testing.js';
import { gpcBooking, seedExample } from '../helpers/bodies.js';
import { envelope, testSandbox } from '../helpers/sandbox.js';

const dir = mkdtempSync(join(tmpdir(), 'gpc-race-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CLOCK = '2026-06-01T08:00:00+01:00';

/** The appointment ids in a --db file and the change log beside it. */
function appointmentIdsOnDisk(db: string): string[] {
  const doc = JSON.parse(readFileSync(db, 'utf8')) as { state: { appointments: Array<{ id: string }> } };
  const ids = doc.state.appointments.map((a) => a.id);
  const log = existsSync(`${db}.log`) ? readFileSync(`${db}.log`, 'utf8').split('\n').filter(Boolean) : [];
  for (const line of log) {
    ids.push(...(JSON.parse(line) as { appointments: Array<{ id: string }> }).appointments.map((a) => a.id));
  }
  return ids;
}

async function post(url: string, body: unknown) {
  const res = await fetch(`${url}/Appointment`, {
    method: 'POST',
    headers: { ...buildEnvelope('create:appointment-1'), 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as {
      id: string;
      issue?: Array<{ details: { coding: Array<{ code: string }> } }>;
    },
  };
}

describe('check-and-book is atomic', () => {
  it.each(['careconnect', 'gpconnect-1.2.7'] as const)(
    'gives one 201 and nineteen DUPLICATE_REJECTED for 20 concurrent bookings of one slot (%s)',
    async (profile) => {
      const sandbox = await startSandbox({ profile, clock: CLOCK });
      try {
        const bodies = Array.from({ length: 20 }, (_, i) =>
          profile === 'careconnect'
            ? seedExample('s2-202606031000', String((i % 20) + 1))
            : gpcBooking({
                slots: [
                  {
                    id: 's1-202606031000',
                    start: '2026-06-03T10:00:00+01:00',
                    end: '2026-06-03T10:10:00+01:00',
                  },
                ],
                patientId: String((i % 20) + 1),
              }),
        );
        const results = await Promise.all(bodies.map((b) => post(sandbox.fhirBase, b)));
        const created = results.filter((r) => r.status === 201);
        const duplicates = results.filter(
          (r) => r.body.issue?.[0]?.details.coding[0]?.code === 'DUPLICATE_REJECTED',
        );
        expect(created).toHaveLength(1);
        expect(duplicates).toHaveLength(19);
        expect(new Set(duplicates.map((d) => d.status))).toEqual(
          new Set([profile === 'careconnect' ? 422 : 409]),
        );
        expect(sandbox.state().counts.appointments).toBe(1);
      } finally {
        await sandbox.close();
      }
    },
  );

  it('with --db, a 201 is sent only once the booking is in the file', async () => {
    const db = join(dir, 'durable.json');
    const sandbox = await startSandbox({ db, clock: CLOCK });
    try {
      const results = await Promise.all(
        ['0900', '0910', '0920', '0930', '0940'].map(async (time) => {
          const res = await post(sandbox.fhirBase, seedExample(`s1-20260602${time}`));
          // Read the file the moment the response arrives: the booking must already be there.
          const onDisk = appointmentIdsOnDisk(db);
          return { res, onDisk };
        }),
      );
      for (const { res, onDisk } of results) {
        expect(res.status).toBe(201);
        expect(onDisk).toContain(res.body.id);
      }
    } finally {
      await sandbox.close();
    }
    const again = await startSandbox({ db });
    try {
      expect(again.state().counts.appointments).toBe(5);
    } finally {
      await again.close();
    }
  });
});

describe('hostile bookings', () => {
  it('never answer 5xx, whatever a valid booking is mutated into', async () => {
    const sandbox = testSandbox({ profile: 'gpconnect-1.2.7' });
    const values = fc.oneof(
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.double(),
      fc.string(),
      fc.constant('Slot/s1-202606020900'),
      fc.constant('https://example.org/Patient/1'),
      fc.array(fc.anything(), { maxLength: 3 }),
      fc.dictionary(fc.string(), fc.anything(), { maxKeys: 3 }),
    );
    const paths = [
      ['status'],
      ['slot'],
      ['slot', 0],
      ['slot', 0, 'reference'],
      ['participant'],
      ['participant', 0, 'actor'],
      ['participant', 0, 'actor', 'reference'],
      ['participant', 1, 'status'],
      ['start'],
      ['end'],
      ['created'],
      ['description'],
      ['comment'],
      ['contained'],
      ['contained', 0, 'telecom'],
      ['contained', 0, 'identifier', 0, 'value'],
      ['extension'],
      ['extension', 0, 'valueReference'],
      ['meta'],
      ['meta', 'profile'],
      ['resourceType'],
      ['minutesDuration'],
      ['identifier'],
      ['priority'],
      ['serviceType'],
      ['__proto__'],
      ['constructor'],
    ];
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.constantFrom(...paths), values), { minLength: 1, maxLength: 4 }),
          async (mutations) => {
            const body: Record<string, unknown> = gpcBooking();
            for (const [path, value] of mutations) {
              let node: Record<string | number, unknown> = body;
              for (const key of path.slice(0, -1)) {
                const next = node[key];
                if (typeof next !== 'object' || next === null) break;
                node = next as Record<string | number, unknown>;
              }
              node[path[path.length - 1]!] = value;
            }
            const res = await sandbox.http
              .post('/Appointment')
              .set(envelope('create:appointment-1'))
              .set('Content-Type', 'application/fhir+json')
              .send(JSON.stringify(body));
            expect(res.status, res.text).toBeLessThan(500);
            if (res.status >= 400) expect(JSON.parse(res.text).resourceType).toBe('OperationOutcome');
            coreOf(sandbox).defaultWorld.reset();
          },
        ),
        { numRuns: 300, seed: 42 },
      );
    } finally {
      await sandbox.close();
    }
  });
});
