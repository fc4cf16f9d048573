// issue 16, faults of the deployment itself: Redis stopped and restarted under running replicas
// (503s and a degraded health, then recovery without restarting them), and kill -9 of one replica
// under load (every booking it acknowledged is readable on the others, which carry on).
import { afterEach, describe, expect, it } from 'vitest';
import { s1Slot } from '../helpers/appointments.js';
import { seedExample } from '../helpers/bodies.js';
import { hasRedis, startRedis, type TestRedis } from '../helpers/redis-server.js';
import {
  type Answer,
  admin,
  fhir,
  type Replica,
  spineCode,
  startReplicas,
  stopReplicas,
  uniquePrefix,
  waitFor,
} from '../helpers/replicas.js';

const book = (r: Replica, slotId: string) =>
  fhir(r, 'create:appointment-1', 'POST', '/Appointment', seedExample(slotId));
const read = (r: Replica, id: string) => fhir(r, 'read:appointment-1', 'GET', `/Appointment/${id}`);

describe.skipIf(!hasRedis)('replicas ride out Redis outages and the loss of a replica', () => {
  let redis: TestRedis | undefined;
  let replicas: Replica[] = [];
  afterEach(async () => {
    await stopReplicas(replicas);
    replicas = [];
    await redis?.stop();
    redis = undefined;
  });

  it('answers 503 and a degraded health while Redis is down, and recovers by itself when it is back', async () => {
    redis = await startRedis();
    replicas = await startReplicas(redis, { count: 2, prefix: uniquePrefix('outage') });
    const [a, b] = replicas as [Replica, Replica];
    const booked = await book(a, 's1-202606020900');
    expect(booked.status).toBe(201);
    for (const r of replicas) {
      const health = await admin(r, 'GET', '/health');
      expect([health.status, health.body], r.name).toMatchObject([200, { status: 'ok', store: 'redis' }]);
    }

    await redis.stop();
    for (const r of replicas) {
      await waitFor(`${r.name} to notice Redis is gone`, async () => {
        const health = await admin(r, 'GET', '/health');
        return health.status === 503 || `${health.status} ${health.text}`;
      });
      const health = await admin(r, 'GET', '/health');
      expect(health.status, r.name).toBe(503);
      expect(health.body, r.name).toMatchObject({ status: 'degraded', store: 'redis' });
      expect(typeof health.body.problem, r.name).toBe('string');
      expect(health.body.problem.length, r.name).toBeGreaterThan(0);
    }
    const reads: Answer[] = [await read(b, booked.body.id), await book(a, 's1-202606020910')];
    for (const res of reads) {
      expect(res.status, res.text.slice(0, 300)).toBe(503);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    }
    const state = await admin(b, 'GET', '/state');
    expect(state.status).toBe(503);
    expect(typeof state.body.error).toBe('string');
    for (const r of replicas)
      expect([r.child.exitCode, r.child.signalCode], `${r.name} still running`).toEqual([null, null]);

    // Back, empty (no persistence): the replicas set the seed up again by themselves.
    redis = await redis.restart();
    for (const r of replicas) {
      await waitFor(`${r.name} to recover`, async () => {
        const health = await admin(r, 'GET', '/health');
        return health.status === 200 || `${health.status} ${health.text}`;
      });
      expect((await admin(r, 'GET', '/health')).body, r.name).toMatchObject({ status: 'ok', store: 'redis' });
    }
    expect((await read(a, booked.body.id)).status, 'Redis came back empty').toBe(404);
    const again = await book(b, 's1-202606020900');
    expect(again.status, again.text.slice(0, 300)).toBe(201);
    expect((await read(a, again.body.id)).status).toBe(200);
    expect((await admin(a, 'GET', '/state')).body.counts.appointments).toBe(1);
    for (const r of replicas) expect([r.child.exitCode, r.child.signalCode]).toEqual([null, null]);
  });

  it('loses nothing a replica acknowledged when it is killed (-9) under load; the others carry on', async () => {
    redis = await startRedis();
    replicas = await startReplicas(redis, { count: 3, prefix: uniquePrefix('kill') });
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    // 60 distinct free slots (2 June, 08:00-17:50), booked by 8 clients at once over A and B.
    const slots = Array.from({ length: 60 }, (_, i) => {
      const minutes = 8 * 60 + i * 10;
      return s1Slot(
        '2026-06-02',
        `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`,
      ).id;
    });
    let next = 0;
    let killed = false;
    let fromA = 0;
    const acknowledged: Array<{ slotId: string; id: string; location: string; by: string }> = [];
    const afterKill: number[] = [];
    const lost: string[] = [];

    async function attempt(r: Replica, slotId: string): Promise<Answer | 'no answer'> {
      try {
        return await book(r, slotId);
      } catch {
        return 'no answer';
      }
    }

    async function client(n: number): Promise<void> {
      while (next < slots.length) {
        const slotId = slots[next++]!;
        const target = killed || n % 2 === 1 ? b : a;
        const wasKilled = killed;
        let res = await attempt(target, slotId);
        if (res !== 'no answer' && res.status === 201) {
          acknowledged.push({
            slotId,
            id: res.body.id,
            location: res.headers.get('location')!,
            by: target.name,
          });
          if (target === a && ++fromA === 10 && !killed) {
            // Mid-load: other requests to A are in flight right now.
            killed = true;
            a.child.kill('SIGKILL');
          }
        }
        if (wasKilled && res !== 'no answer') afterKill.push(res.status);
        if (res === 'no answer') {
          // The load balancer's retry on a live replica: booked, or taken by the booking A
          // committed before it died without answering.
          res = await attempt(b, slotId);
          if (res === 'no answer') throw new Error(`B did not answer a retry of ${slotId}`);
          if (res.status === 201) {
            acknowledged.push({ slotId, id: res.body.id, location: res.headers.get('location')!, by: 'B' });
          } else {
            expect([res.status, spineCode(res)], res.text.slice(0, 300)).toEqual([422, 'DUPLICATE_REJECTED']);
            lost.push(slotId);
          }
          afterKill.push(res.status);
        }
      }
    }

    await Promise.all(Array.from({ length: 8 }, (_, n) => client(n)));
    expect(killed).toBe(true);
    expect(await a.exited).toBe(null);
    expect(afterKill.filter((s) => s === 201).length, 'bookings after the kill').toBeGreaterThan(0);

    // Every acknowledged booking is there, on the survivor that served none of them, with its slot.
    const ids = acknowledged.map((x) => x.id);
    expect(new Set(ids).size, 'distinct ids for the acknowledged bookings').toBe(ids.length);
    for (const ack of acknowledged) {
      const path = new URL(ack.location).pathname;
      expect(path).toBe(`/Appointment/${ack.id}/_history/1`);
      const res = await fhir(c, 'read:appointment-1', 'GET', path);
      expect(res.status, `${ack.id} acknowledged by ${ack.by}`).toBe(200);
      expect(res.body.slot.map((s: { reference: string }) => s.reference)).toEqual([`Slot/${ack.slotId}`]);
    }
    // A slot a retry found taken holds the booking A committed without answering.
    const state = await admin(c, 'GET', '/state?days=3');
    const busy = new Set(
      (state.body.slots as Array<{ id: string; status: string }>)
        .filter((s) => s.status === 'busy')
        .map((s) => s.id),
    );
    for (const slotId of [...acknowledged.map((x) => x.slotId), ...lost]) expect(busy).toContain(slotId);
    expect(state.body.counts.appointments).toBe(acknowledged.length + lost.length);
  });
});
