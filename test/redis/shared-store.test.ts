import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/index.js';
import { seedExample } from '../helpers/bodies.js';
import { hasRedis, startRedis, type TestRedis } from '../helpers/redis-server.js';

/**
 * Two replicas in one process on one Redis (issue 16): what one answers, the other reflects.
 * The CLI replicas, outages and kill -9 are in the end-to-end files beside this one.
 */
describe.skipIf(!hasRedis)('two sandboxes on one Redis', () => {
  let redis: TestRedis;
  let prefixCount = 0;
  const running: RunningSandbox[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const sandbox of running) await sandbox.close();
    await redis?.stop();
  });

  async function replicas(n: number, options: Record<string, unknown> = {}): Promise<RunningSandbox[]> {
    const redisPrefix = `t${++prefixCount}`;
    const started: RunningSandbox[] = [];
    for (let i = 0; i < n; i++) {
      const sandbox = await startSandbox({
        db: redis.url,
        redisPrefix,
        clock: '2026-06-01T08:00:00+01:00',
        ...options,
      });
      started.push(sandbox);
      running.push(sandbox);
    }
    return started;
  }

  function book(
    sandbox: RunningSandbox,
    slotId: string,
    patientId = '1',
    headers: Record<string, string> = {},
  ) {
    return fetch(`${sandbox.fhirBase}/Appointment`, {
      method: 'POST',
      headers: {
        ...sandbox.headers('create:appointment-1'),
        'Content-Type': 'application/fhir+json',
        ...headers,
      },
      body: JSON.stringify(seedExample(slotId, patientId)),
    });
  }

  it('reads on B what was booked on A, and frees it everywhere on reset from B', async () => {
    const [a, b] = await replicas(2);
    const booked = await book(a!, 's1-202606020900');
    expect(booked.status).toBe(201);
    const id = ((await booked.json()) as { id: string }).id;
    const read = await fetch(`${b!.fhirBase}/Appointment/${id}`, {
      headers: b!.headers('read:appointment-1'),
    });
    expect(read.status).toBe(200);
    expect((await book(b!, 's1-202606020900', '2')).status).toBe(422);
    const reset = await fetch(`${b!.url}/_admin/reset`, { method: 'POST' });
    expect(reset.status).toBe(200);
    const gone = await fetch(`${a!.fhirBase}/Appointment/${id}`, {
      headers: a!.headers('read:appointment-1'),
    });
    expect(gone.status).toBe(404);
    expect((await book(a!, 's1-202606020900')).status).toBe(201);
  });

  it('lets exactly one of many concurrent bookings of one slot through, whichever replica gets it', async () => {
    const sandboxes = await replicas(3);
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => book(sandboxes[i % 3]!, 's1-202606021000', String((i % 5) + 1))),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 201).every((s) => s === 422)).toBe(true);
  });

  it('shares sessions: their state, their cap and their idle expiry', async () => {
    const [a, b] = await replicas(2, { maxSessions: 2, sessionTtl: 1500 });
    const session = { 'X-Sandbox-Session': 'alpha' };
    const booked = await book(a!, 's1-202606021100', '1', session);
    expect(booked.status).toBe(201);
    const id = ((await booked.json()) as { id: string }).id;
    const read = (sandbox: RunningSandbox, headers: Record<string, string>) =>
      fetch(`${sandbox.fhirBase}/Appointment/${id}`, {
        headers: { ...sandbox.headers('read:appointment-1'), ...headers },
      });
    expect((await read(b!, session)).status).toBe(200);
    expect((await read(b!, {})).status).toBe(404); // not in the default state
    expect((await read(a!, { 'X-Sandbox-Session': 'beta' })).status).toBe(404);
    const third = await read(b!, { 'X-Sandbox-Session': 'gamma' });
    expect(third.status).toBe(429);
    await new Promise((r) => setTimeout(r, 1700));
    // Both idle past the TTL: gone on every replica, so a new one fits and alpha is empty again.
    expect((await read(b!, { 'X-Sandbox-Session': 'gamma' })).status).toBe(404);
    expect((await read(a!, session)).status).toBe(404);
  });

  it('moves the clock and switches the scenario for every replica', async () => {
    const [a, b] = await replicas(2);
    const put = await fetch(`${a!.url}/_admin/clock`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ now: '2026-07-01T09:00:00Z' }),
    });
    expect(put.status).toBe(200);
    const clock = (await (await fetch(`${b!.url}/_admin/clock`)).json()) as { now: string };
    expect(clock.now).toBe('2026-07-01T10:00:00+01:00');
    const scenario = await fetch(`${b!.url}/_admin/scenario`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'no-slots' }),
    });
    expect(scenario.status).toBe(200);
    const listed = (await (await fetch(`${a!.url}/_admin/faults`)).json()) as Array<{ name: string }>;
    expect(listed.length).toBeGreaterThan(0);
    expect(listed).toEqual((await (await fetch(`${b!.url}/_admin/faults`)).json()) as unknown[]);
  });

  it('imports a snapshot on A that B then serves', async () => {
    const [a, b] = await replicas(2);
    expect((await book(a!, 's1-202606021200')).status).toBe(201);
    const snapshot = await (await fetch(`${a!.url}/_admin/snapshot`)).text();
    await fetch(`${b!.url}/_admin/reset`, { method: 'POST' });
    expect((await book(b!, 's1-202606021200')).status).toBe(201);
    await fetch(`${b!.url}/_admin/reset`, { method: 'POST' });
    const imported = await fetch(`${b!.url}/_admin/snapshot`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: snapshot,
    });
    expect(imported.status).toBe(200);
    expect((await book(a!, 's1-202606021200', '2')).status).toBe(422);
  });

  it('counts times across replicas exactly', async () => {
    const [a, b] = await replicas(2);
    const armed = await fetch(`${a!.url}/_admin/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        name: 'twice',
        when: { method: 'GET', path: '/metadata' },
        error: { code: 'BAD_REQUEST' },
        times: 2,
      }),
    });
    expect(armed.status).toBe(201);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const sandbox = i % 2 === 0 ? b! : a!;
      statuses.push(
        (await fetch(`${sandbox.fhirBase}/metadata`, { headers: sandbox.headers('read:metadata-1') })).status,
      );
    }
    expect(statuses.filter((s) => s === 400)).toHaveLength(2);
  });
});

describe.skipIf(!hasRedis)('the journal on one Redis', () => {
  it('lists on either replica the requests both served', async () => {
    const redis = await startRedis();
    try {
      const options = { db: redis.url, redisPrefix: 'journal', clock: '2026-06-01T08:00:00+01:00' };
      const a = await startSandbox(options);
      const b = await startSandbox(options);
      try {
        await fetch(`${a.fhirBase}/metadata`, { headers: a.headers('read:metadata-1') });
        await fetch(`${b.fhirBase}/Patient/1`, { headers: b.headers('read:patient-1') });
        const listed = (await (await fetch(`${a.url}/_admin/requests`)).json()) as Array<{
          path: string;
          status: number;
        }>;
        expect(listed.map((e) => [e.path, e.status])).toEqual([
          ['/Patient/1', 200],
          ['/metadata', 200],
        ]);
        await fetch(`${b.url}/_admin/reset`, { method: 'POST' });
        expect(await (await fetch(`${a.url}/_admin/requests`)).json()).toEqual([]);
      } finally {
        await a.close();
        await b.close();
      }
    } finally {
      await redis.stop();
    }
  });
});
