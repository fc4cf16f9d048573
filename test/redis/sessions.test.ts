// issue 16: X-Sandbox-Session sessions live in Redis: each has its own appointments, faults and
// journal on every replica, and the idle expiry (--session-ttl) and the cap (--max-sessions) hold
// for the replicas together.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedExample } from '../helpers/bodies.js';
import { hasRedis, startRedis, type TestRedis } from '../helpers/redis-server.js';
import {
  admin,
  fhir,
  type Replica,
  spineCode,
  startReplicas,
  stopReplicas,
  uniquePrefix,
  waitFor,
} from '../helpers/replicas.js';

const session = (id: string) => ({ 'X-Sandbox-Session': id });
const book = (r: Replica, slotId: string, headers: Record<string, string> = {}) =>
  fhir(r, 'create:appointment-1', 'POST', '/Appointment', seedExample(slotId), headers);
const read = (r: Replica, id: string, headers: Record<string, string> = {}) =>
  fhir(r, 'read:appointment-1', 'GET', `/Appointment/${id}`, undefined, headers);
const metadata = (r: Replica, headers: Record<string, string> = {}) =>
  fhir(r, 'read:metadata-1', 'GET', '/metadata', undefined, headers);

describe.skipIf(!hasRedis)('sessions are shared by the replicas', () => {
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

  it("a session's appointments, faults, journal and reset are the same on every replica, and its own", async () => {
    replicas = await startReplicas(redis, { count: 3, prefix: uniquePrefix('sessions') });
    const [a, b, c] = replicas as [Replica, Replica, Replica];

    const booked = await book(a, 's1-202606020900', session('alpha'));
    expect(booked.status, booked.text.slice(0, 300)).toBe(201);
    const id: string = booked.body.id;
    expect((await read(b, id, session('alpha'))).status).toBe(200);
    expect((await read(c, id)).status, 'the default state does not have it').toBe(404);
    expect((await read(c, id, session('beta'))).status, 'nor does another session').toBe(404);
    for (const r of replicas) {
      expect((await admin(r, 'GET', '/state', undefined, session('alpha'))).body.counts.appointments).toBe(1);
      expect((await admin(r, 'GET', '/state')).body.counts.appointments).toBe(0);
    }
    // The slot alpha took is still free in the default state and in beta.
    expect((await book(b, 's1-202606020900')).status).toBe(201);
    expect((await book(c, 's1-202606020900', session('beta'))).status).toBe(201);

    // A fault armed for alpha on A fires for alpha on B and C, `times` counted once, and never
    // for the default state.
    const armed = await admin(
      a,
      'POST',
      '/faults',
      {
        name: 'alpha-twice',
        when: { path: '/metadata' },
        error: { code: 'INTERNAL_SERVER_ERROR' },
        times: 2,
      },
      session('alpha'),
    );
    expect(armed.status, armed.text).toBe(201);
    expect((await metadata(b)).status).toBe(200);
    expect((await metadata(b, session('alpha'))).status).toBe(500);
    expect((await metadata(c)).status).toBe(200);
    const second = await metadata(c, session('alpha'));
    expect([second.status, spineCode(second)]).toEqual([500, 'INTERNAL_SERVER_ERROR']);
    expect((await metadata(a, session('alpha'))).status).toBe(200);
    expect((await admin(b, 'GET', '/faults')).body).toEqual([]);

    // Alpha's journal, read on any replica, is alpha's requests from every replica, and only those.
    const traces = [randomUUID(), randomUUID(), randomUUID()];
    for (const [i, r] of replicas.entries()) {
      await metadata(r, { ...session('alpha'), 'Ssp-TraceID': traces[i]! });
    }
    const stranger = randomUUID();
    await metadata(b, { 'Ssp-TraceID': stranger });
    for (const r of replicas) {
      const journal = (await admin(r, 'GET', '/requests', undefined, session('alpha'))).body as Array<{
        request: { headers: Record<string, string> };
      }>;
      const seen = journal.map((e) => e.request.headers['ssp-traceid']);
      expect(seen.slice(0, 3), r.name).toEqual([...traces].reverse());
      expect(seen, r.name).not.toContain(stranger);
      const defaults = (await admin(r, 'GET', '/requests')).body as Array<{
        request: { headers: Record<string, string> };
      }>;
      expect(defaults.map((e) => e.request.headers['ssp-traceid'])[0], r.name).toBe(stranger);
    }

    // Resetting alpha on B empties alpha everywhere and leaves the default state and beta alone.
    expect((await admin(b, 'POST', '/reset', undefined, session('alpha'))).status).toBe(200);
    expect((await read(a, id, session('alpha'))).status).toBe(404);
    expect((await admin(c, 'GET', '/state')).body.counts.appointments).toBe(1);
    expect((await admin(c, 'GET', '/state', undefined, session('beta'))).body.counts.appointments).toBe(1);
  });

  it('--max-sessions caps the sessions of all replicas together, and --session-ttl expires idle ones on all', async () => {
    replicas = await startReplicas(redis, {
      count: 3,
      prefix: uniquePrefix('session-cap'),
      args: ['--session-ttl', 'PT2S', '--max-sessions', '2'],
    });
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    const booked = await book(a, 's1-202606021000', session('one'));
    expect(booked.status).toBe(201);
    expect((await metadata(b, session('two'))).status).toBe(200);

    const third = await metadata(c, session('three'));
    expect(third.status).toBe(429);
    expect(third.body.resourceType).toBe('OperationOutcome');
    expect(third.body.issue[0].diagnostics).toMatch(/--max-sessions/);
    const thirdAdmin = await admin(a, 'GET', '/state', undefined, session('three'));
    expect([thirdAdmin.status, thirdAdmin.body.field]).toEqual([429, 'X-Sandbox-Session']);
    // A session that exists is served on any replica (and this read is its last use).
    expect((await read(c, booked.body.id, session('one'))).status).toBe(200);
    const lastUseOfOne = Date.now();

    // Once one of them has been idle for longer than the TTL (real time), a new one is admitted,
    // on any replica. (Refused requests make no session and keep none alive.)
    await waitFor('a third session to be admitted once another expired', async () => {
      const res = await metadata(c, session('three'));
      return res.status === 200 || `${res.status} ${res.text.slice(0, 200)}`;
    });
    // "one" expires with its state, untouched since its last use: a session of that name made
    // afresh does not know the id.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, lastUseOfOne + 2_500 - Date.now())));
    const gone = await read(b, booked.body.id, session('one'));
    expect([gone.status, spineCode(gone)]).toEqual([404, 'NO_RECORD_FOUND']);
    expect((await admin(a, 'GET', '/state', undefined, session('one'))).body.counts.appointments).toBe(0);
  });
});
