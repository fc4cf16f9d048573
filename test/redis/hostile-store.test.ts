import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/index.js';
import { seedExample } from '../helpers/bodies.js';
import { hasRedis, startRedis, type TestRedis } from '../helpers/redis-server.js';

/**
 * What a second hostile pass did to the shared store (issue 16): a Redis flushed under running
 * replicas, concurrent clock advances, bad session ids on admin calls, a frozen Redis, and keys
 * holding something else. Each must leave the replicas consistent and the errors clear.
 */
describe.skipIf(!hasRedis)('the shared store against a hostile Redis and hostile clients', () => {
  let redis: TestRedis;
  let client: Redis;
  let count = 0;
  const running: RunningSandbox[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    for (const sandbox of running) await sandbox.close();
    client?.disconnect();
    await redis?.stop();
  });

  async function pair(
    options: Record<string, unknown> = {},
  ): Promise<[RunningSandbox, RunningSandbox, string]> {
    const redisPrefix = `hostile${++count}`;
    const make = () =>
      startSandbox({ db: redis.url, redisPrefix, clock: '2026-06-01T08:00:00+01:00', ...options });
    const a = await make();
    const b = await make();
    running.push(a, b);
    return [a, b, redisPrefix];
  }

  const book = (sandbox: RunningSandbox, slotId: string, patientId = '1') =>
    fetch(`${sandbox.fhirBase}/Appointment`, {
      method: 'POST',
      headers: { ...sandbox.headers('create:appointment-1'), 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify(seedExample(slotId, patientId)),
    });
  const read = (sandbox: RunningSandbox, id: string) =>
    fetch(`${sandbox.fhirBase}/Appointment/${id}`, { headers: sandbox.headers('read:appointment-1') });

  it('agrees again on every replica after Redis is flushed under them, and writes its meta again', async () => {
    const [a, b, prefix] = await pair();
    expect((await book(a, 's1-202606020900')).status).toBe(201);
    expect((await read(b, '1')).status).toBe(200);
    await client.flushall();
    const after = await book(a, 's1-202606021400');
    expect(after.status).toBe(201);
    // B serves what Redis holds now: the new appointment 1 (slot 14:00), and 09:00 is free again.
    const onB = (await (await read(b, '1')).json()) as { slot: Array<{ reference: string }> };
    expect(onB.slot[0]!.reference).toBe('Slot/s1-202606021400');
    expect((await book(b, 's1-202606020900', '2')).status).toBe(201);
    expect(await client.hget(`${prefix}:meta`, 'profile')).toBe('careconnect');
  });

  it('counts every one of many concurrent clock advances from two replicas', async () => {
    const [a, b] = await pair();
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        fetch(`${(i % 2 ? a : b).url}/_admin/clock`, {
          method: 'PUT',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ advance: 'PT1H' }),
        }).then((r) => expect(r.status).toBe(200)),
      ),
    );
    const clock = (await (await fetch(`${a.url}/_admin/clock`)).json()) as { now: string };
    expect(clock.now).toBe('2026-06-01T20:00:00+01:00');
  });

  it('never makes a session of a bad X-Sandbox-Session id, so bad ids cannot fill the cap', async () => {
    const [a, , prefix] = await pair({ maxSessions: 2 });
    for (const id of ['é', 'a/b', 'x y', '']) {
      const res = await fetch(`${a.url}/_admin/state`, { headers: { 'X-Sandbox-Session': id } });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { field: string }).field).toBe('X-Sandbox-Session');
    }
    expect(await client.zcard(`${prefix}:sessions`)).toBe(0);
    const ok = await fetch(`${a.url}/_admin/state`, { headers: { 'X-Sandbox-Session': 'legit' } });
    expect(ok.status).toBe(200);
  });

  it('answers 503 and says degraded while Redis answers nothing, instead of hanging', async () => {
    const [a] = await pair();
    const pause = new Redis(redis.url);
    await pause.call('CLIENT', 'PAUSE', '5000', 'ALL');
    const [metadata, health] = await Promise.all([
      fetch(`${a.fhirBase}/metadata`, { headers: a.headers('read:metadata-1') }),
      fetch(`${a.url}/_admin/health`),
    ]);
    expect(metadata.status).toBe(503);
    expect(health.status).toBe(503);
    expect(((await health.json()) as { status: string }).status).toBe('degraded');
    await pause.call('CLIENT', 'UNPAUSE');
    pause.disconnect();
  });

  it('names a key holding something else (503, degraded), and a reset writes it afresh', async () => {
    const [a, b, prefix] = await pair();
    expect((await book(a, 's1-202606021000')).status).toBe(201);
    await client.set(`${prefix}:w:default:misc`, '{bad');
    await client.hset(`${prefix}:w:default:head`, 'rev', '999');
    const broken = await read(b, '1');
    expect(broken.status).toBe(503);
    expect(await broken.text()).toContain(`${prefix}:w:default:misc`);
    const health = (await (await fetch(`${b.url}/_admin/health`)).json()) as {
      status: string;
      problem: string;
    };
    expect(health).toMatchObject({ status: 'degraded' });
    expect(health.problem).toContain(`${prefix}:w:default:misc`);
    expect((await fetch(`${b.url}/_admin/reset`, { method: 'POST' })).status).toBe(200);
    expect((await read(a, '1')).status).toBe(404);
    expect((await book(a, 's1-202606021000')).status).toBe(201);
    expect(((await (await fetch(`${b.url}/_admin/health`)).json()) as { status: string }).status).toBe('ok');
  });

  it('repairs a world head or generation counter holding something else instead of failing every call', async () => {
    const [a, b, prefix] = await pair();
    expect((await book(a, 's1-202606021100')).status).toBe(201);
    await client.hset(`${prefix}:w:default:head`, 'rev', 'abc');
    await client.set(`${prefix}:genseq`, 'abc');
    // Read whole as a new generation: the appointments are still there, on both replicas.
    expect((await read(b, '1')).status).toBe(200);
    expect((await book(a, 's1-202606021110', '2')).status).toBe(201);
    expect((await fetch(`${b.url}/_admin/reset`, { method: 'POST' })).status).toBe(200);
    expect((await read(a, '1')).status).toBe(404);
  });
});
