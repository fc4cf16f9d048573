// issue 16: replicas started with the same redis:// URL, prefix, seed and profile act as one
// provider. Once any replica has answered a change, every replica's later answers reflect it.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/index.js';
import { s1Slot } from '../helpers/appointments.js';
import { gpcBooking, seedExample } from '../helpers/bodies.js';
import { hasRedis, startRedis, type TestRedis } from '../helpers/redis-server.js';
import {
  admin,
  CLOCK,
  fhir,
  type Replica,
  slotStatus,
  spineCode,
  startReplicas,
  stopReplicas,
  uniquePrefix,
} from '../helpers/replicas.js';

type Profile = 'careconnect' | 'gpconnect-1.2.7';
const PROFILES: Profile[] = ['careconnect', 'gpconnect-1.2.7'];
/** The profile's answer to a slot that is taken (digest: 422 in CareConnect, 409 in 1.2.7). */
const CONFLICT: Record<Profile, number> = { careconnect: 422, 'gpconnect-1.2.7': 409 };

function booking(profile: Profile, time: string, patientId = '1'): Record<string, unknown> {
  const slot = s1Slot('2026-06-02', time);
  return profile === 'careconnect'
    ? seedExample(slot.id, patientId)
    : gpcBooking({ slots: [slot], patientId });
}

const book = (r: Replica, profile: Profile, time: string, patientId = '1', headers = {}) =>
  fhir(r, 'create:appointment-1', 'POST', '/Appointment', booking(profile, time, patientId), headers);

const read = (r: Replica, id: string, headers = {}) =>
  fhir(r, 'read:appointment-1', 'GET', `/Appointment/${id}`, undefined, headers);

/** The free s1 slots of 2 June 2026 a slot search on this replica offers. */
async function freeSlotIds(r: Replica): Promise<string[]> {
  const res = await fhir(
    r,
    'search:slot-1',
    'GET',
    '/Slot?status=free&start=ge2026-06-02&end=le2026-06-02&_include=Slot:schedule',
  );
  expect(res.status, res.text.slice(0, 300)).toBe(200);
  return (res.body.entry ?? [])
    .map((e: { resource: { resourceType: string; id: string } }) => e.resource)
    .filter((x: { resourceType: string }) => x.resourceType === 'Slot')
    .map((x: { id: string }) => x.id);
}

/** A snapshot's state with its appointments in id order. */
function byId(state: { appointments: Array<{ id: string }> }): unknown {
  return { ...state, appointments: [...state.appointments].sort((x, y) => Number(x.id) - Number(y.id)) };
}

describe.skipIf(!hasRedis)('replicas on one Redis act as one provider', () => {
  let redis: TestRedis;
  let replicas: Replica[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await stopReplicas(replicas);
    replicas = [];
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it.each(PROFILES)(
    'a booking on A is read on B, version-read on C, amended on B and read amended on A (%s)',
    async (profile) => {
      replicas = await startReplicas(redis, {
        count: 3,
        prefix: uniquePrefix('raw'),
        args: ['--profile', profile],
      });
      const [a, b, c] = replicas as [Replica, Replica, Replica];

      const booked = await book(a, profile, '09:00');
      expect(booked.status, booked.text.slice(0, 300)).toBe(201);
      const id: string = booked.body.id;
      expect(new URL(booked.headers.get('location')!).pathname).toBe(`/Appointment/${id}/_history/1`);

      const onB = await read(b, id);
      expect(onB.status, onB.text.slice(0, 300)).toBe(200);
      expect(onB.headers.get('etag')).toBe('W/"1"');
      expect(onB.body).toEqual(booked.body);

      const v1OnC = await fhir(c, 'read:appointment-1', 'GET', `/Appointment/${id}/_history/1`);
      expect(v1OnC.status).toBe(200);
      expect(v1OnC.body).toEqual(booked.body);

      const amended = await fhir(
        b,
        'update:appointment-1',
        'PUT',
        `/Appointment/${id}`,
        { ...onB.body, description: 'Sore throat, 4 days' },
        { 'If-Match': 'W/"1"' },
      );
      expect(amended.status, amended.text.slice(0, 300)).toBe(200);
      expect(amended.headers.get('etag')).toBe('W/"2"');

      const onA = await read(a, id);
      expect(onA.status).toBe(200);
      expect(onA.headers.get('etag')).toBe('W/"2"');
      expect(onA.body.description).toBe('Sore throat, 4 days');
      expect(onA.body).toEqual(amended.body);
      const v1Again = await fhir(c, 'read:appointment-1', 'GET', `/Appointment/${id}/_history/1`);
      expect(v1Again.body.description).toBe(booked.body.description);

      // An amend on A with the version B has replaced is refused: the version is shared too.
      const stale = await fhir(
        a,
        'update:appointment-1',
        'PUT',
        `/Appointment/${id}`,
        { ...onB.body, description: 'stale' },
        { 'If-Match': 'W/"1"' },
      );
      expect([stale.status, spineCode(stale)]).toEqual([409, 'FHIR_CONSTRAINT_VIOLATION']);

      // The slot is busy everywhere; a booking of it on C meets the profile's conflict.
      for (const r of replicas) expect(await slotStatus(r, 's1-202606020900'), r.name).toBe('busy');
      const again = await book(c, profile, '09:00', '2');
      expect(again.status).toBe(CONFLICT[profile]);
      expect(spineCode(again)).toBe('DUPLICATE_REJECTED');

      // Ids come from one counter: a booking on each replica gets its own id, readable everywhere.
      const more = [
        await book(a, profile, '09:10'),
        await book(b, profile, '09:20'),
        await book(c, profile, '09:30'),
      ];
      for (const m of more) expect(m.status, m.text.slice(0, 300)).toBe(201);
      const ids = [id, ...more.map((m) => m.body.id as string)];
      expect(new Set(ids).size, `distinct ids: ${ids.join(', ')}`).toBe(4);
      for (const r of replicas) {
        for (const x of ids) expect((await read(r, x)).status, `${x} on ${r.name}`).toBe(200);
        const state = await admin(r, 'GET', '/state');
        expect(state.body.counts.appointments, r.name).toBe(4);
      }
    },
  );

  it('startSandbox({ db: redis://, redisPrefix }) joins replicas started from the command line', async () => {
    const prefix = uniquePrefix('api');
    replicas = await startReplicas(redis, { count: 1, prefix });
    const inProcess = await startSandbox({ db: redis.url, redisPrefix: prefix, clock: CLOCK });
    try {
      const api = { url: inProcess.url, name: 'api' } as Replica;
      const booked = await book(replicas[0]!, 'careconnect', '15:00');
      expect(booked.status).toBe(201);
      expect((await read(api, booked.body.id)).status).toBe(200);
      const second = await book(api, 'careconnect', '15:10');
      expect(second.status).toBe(201);
      expect((await read(replicas[0]!, second.body.id)).status).toBe(200);
      expect((await admin(api, 'GET', '/state')).body.counts.appointments).toBe(2);
      const health = await admin(api, 'GET', '/health');
      expect([health.status, health.body]).toMatchObject([200, { status: 'ok', store: 'redis' }]);
    } finally {
      await inProcess.close();
    }
  });

  it.each(PROFILES)(
    'of 12 concurrent bookings of one slot spread over 3 replicas exactly one gets 201 (%s)',
    async (profile) => {
      replicas = await startReplicas(redis, {
        count: 3,
        prefix: uniquePrefix('race'),
        args: ['--profile', profile],
      });
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => book(replicas[i % 3]!, profile, '10:00', String((i % 10) + 1))),
      );
      const created = results.filter((r) => r.status === 201);
      const refused = results.filter((r) => r.status !== 201);
      expect(created).toHaveLength(1);
      expect(refused.map((r) => [r.status, spineCode(r)])).toEqual(
        Array.from({ length: 11 }, () => [CONFLICT[profile], 'DUPLICATE_REJECTED']),
      );
      for (const r of replicas) {
        const state = await admin(r, 'GET', '/state');
        expect(state.body.counts.appointments, r.name).toBe(1);
        expect((await read(r, created[0]!.body.id)).status).toBe(200);
      }
    },
  );

  it('a reset on B frees the slot on C and forgets the booking on A', async () => {
    replicas = await startReplicas(redis, { count: 3, prefix: uniquePrefix('reset') });
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    const booked = await book(a, 'careconnect', '11:00');
    expect(booked.status).toBe(201);
    expect(await freeSlotIds(c)).not.toContain('s1-202606021100');

    const reset = await admin(b, 'POST', '/reset');
    expect(reset.status).toBe(200);
    expect(await freeSlotIds(c)).toContain('s1-202606021100');
    expect((await read(a, booked.body.id)).status).toBe(404);
    for (const r of replicas) expect((await admin(r, 'GET', '/state')).body.counts.appointments).toBe(0);
    // The slot can be booked again, on any replica.
    expect((await book(c, 'careconnect', '11:00')).status).toBe(201);
  });

  it('the clock set or advanced on one replica is the clock of all', async () => {
    replicas = await startReplicas(redis, { count: 3, prefix: uniquePrefix('clock') });
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    const set = await admin(a, 'PUT', '/clock', { now: '2026-06-02T09:05:00+01:00' });
    expect(set.status, set.text).toBe(200);
    for (const r of replicas) {
      const clock = await admin(r, 'GET', '/clock');
      expect(clock.body, r.name).toMatchObject({ now: '2026-06-02T09:05:00+01:00', frozen: true });
    }
    // Slot search on B follows it: 09:00 has started, 10:00 is still to come.
    const free = await freeSlotIds(b);
    expect(free).not.toContain('s1-202606020900');
    expect(free).toContain('s1-202606021000');

    const advanced = await admin(c, 'PUT', '/clock', { advance: 'PT1H' });
    expect(advanced.status).toBe(200);
    for (const r of replicas) {
      expect((await admin(r, 'GET', '/clock')).body.now, r.name).toBe('2026-06-02T10:05:00+01:00');
    }
    expect(await freeSlotIds(a)).not.toContain('s1-202606021000');
  });

  it('a scenario switched on A applies on B, shows on C, and is switched off from C', async () => {
    replicas = await startReplicas(redis, { count: 3, prefix: uniquePrefix('scenario') });
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    const on = await admin(a, 'PUT', '/scenario', { name: 'practice-switched-off' });
    expect(on.status, on.text).toBe(200);

    const denied = await book(b, 'careconnect', '12:00');
    expect(denied.status).toBe(403);
    expect(spineCode(denied)).toBe('ACCESS DENIED');
    const listed = await admin(c, 'GET', '/scenarios');
    expect(
      listed.body.scenarios.filter((s: { active: boolean }) => s.active).map((s: { name: string }) => s.name),
    ).toEqual(['practice-switched-off']);
    expect((await admin(b, 'GET', '/state')).body.counts.appointments).toBe(0);

    const off = await admin(c, 'PUT', '/scenario', { name: null });
    expect(off.status).toBe(200);
    expect((await book(b, 'careconnect', '12:00')).status).toBe(201);
    expect(
      (await admin(a, 'GET', '/scenarios')).body.scenarios.some((s: { active: boolean }) => s.active),
    ).toBe(false);
  });

  it('the journal read on any replica lists the requests every replica served', async () => {
    replicas = await startReplicas(redis, { count: 3, prefix: uniquePrefix('journal') });
    const traces = new Map<string, string>();
    for (const r of replicas) {
      const trace = randomUUID();
      traces.set(trace, r.name);
      const res = await fhir(r, 'read:metadata-1', 'GET', '/metadata', undefined, { 'Ssp-TraceID': trace });
      expect(res.status).toBe(200);
    }
    for (const r of replicas) {
      const journal = await admin(r, 'GET', '/requests');
      expect(journal.status).toBe(200);
      const seen = (journal.body as Array<{ seq: number; request: { headers: Record<string, string> } }>).map(
        (e) => e.request.headers['ssp-traceid'],
      );
      // Newest first, in the order they were served, whichever replica served them.
      expect(
        seen.filter((t) => t !== undefined && traces.has(t)),
        r.name,
      ).toEqual([...traces.keys()].reverse());
      const seqs = (journal.body as Array<{ seq: number }>).map((e) => e.seq);
      expect(new Set(seqs).size, `distinct seq on ${r.name}`).toBe(seqs.length);
    }
  });

  it('fixtures and held slots added on one replica are served by the others', async () => {
    replicas = await startReplicas(redis, { count: 3, prefix: uniquePrefix('fixtures') });
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    const patient = await admin(a, 'POST', '/patients', {
      id: 'fay',
      name: { family: 'Fixture', given: ['Fay'] },
      gender: 'female',
      birthDate: '1990-01-01',
    });
    expect(patient.status, patient.text).toBe(201);
    const readPatient = await fhir(b, 'read:patient-1', 'GET', '/Patient/fay');
    expect(readPatient.status).toBe(200);
    expect(readPatient.body.name[0].family).toBe('Fixture');
    // The same id again, on another replica, is taken.
    const twice = await admin(c, 'POST', '/patients', {
      id: 'fay',
      name: { family: 'Other', given: ['Flo'] },
      gender: 'female',
      birthDate: '1991-01-01',
    });
    expect(twice.status).toBe(409);

    const held = await admin(b, 'POST', '/slots', { slotId: 's1-202606021300', status: 'busy' });
    expect(held.status, held.text).toBe(200);
    expect(await slotStatus(a, 's1-202606021300')).toBe('busy-unavailable');
    expect(await freeSlotIds(a)).not.toContain('s1-202606021300');
    const refused = await book(c, 'careconnect', '13:00', 'fay');
    expect(spineCode(refused)).toBe('DUPLICATE_REJECTED');

    const fixture = await admin(c, 'POST', '/appointments', {
      patientId: 'fay',
      slotIds: ['s1-202606021310'],
      description: 'Asthma review',
    });
    expect(fixture.status, fixture.text).toBe(201);
    const onA = await read(a, fixture.body.id);
    expect(onA.status).toBe(200);
    expect(onA.body.description).toBe('Asthma review');
    expect(await slotStatus(b, 's1-202606021310')).toBe('busy');

    const freed = await admin(a, 'POST', '/slots', { slotId: 's1-202606021300', status: 'free' });
    expect(freed.status).toBe(200);
    expect((await book(b, 'careconnect', '13:00', 'fay')).status).toBe(201);
  });

  it('a snapshot exported on A and imported on C replaces the state every replica serves', async () => {
    replicas = await startReplicas(redis, { count: 3, prefix: uniquePrefix('snapshot') });
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    const first = await book(a, 'careconnect', '14:00');
    const second = await book(b, 'careconnect', '14:10');
    expect([first.status, second.status]).toEqual([201, 201]);
    const exported = await admin(a, 'GET', '/snapshot');
    expect(exported.status).toBe(200);
    expect(exported.body.state.appointments).toHaveLength(2);

    expect((await admin(b, 'POST', '/reset')).status).toBe(200);
    const third = await book(b, 'careconnect', '14:20');
    expect(third.status).toBe(201);

    const imported = await admin(c, 'PUT', '/snapshot', exported.body);
    expect(imported.status, imported.text).toBe(200);
    for (const r of replicas) {
      expect((await read(r, first.body.id)).status, r.name).toBe(200);
      expect((await read(r, second.body.id)).body.description, r.name).toBe(second.body.description);
      expect(await slotStatus(r, 's1-202606021400'), r.name).toBe('busy');
      expect(await slotStatus(r, 's1-202606021420'), r.name).toBe('free');
      // The same state, whatever order a replica lists the appointments in.
      expect(byId((await admin(r, 'GET', '/snapshot')).body.state), r.name).toEqual(
        byId(exported.body.state),
      );
    }
    // The id counter came with it: the next booking takes a fresh id.
    const next = await book(b, 'careconnect', '14:30');
    expect(next.status).toBe(201);
    expect([first.body.id, second.body.id]).not.toContain(next.body.id);
  });
});
