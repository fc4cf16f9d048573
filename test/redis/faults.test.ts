// issue 16: armed faults are shared by the replicas. `times` and `skip` count every matching
// request once, whichever replica serves it, and a `probability` rule gives the n-th matching
// request the same outcome a single in-memory sandbox gives it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCli, startCli } from '../helpers/cli.js';
import { hasRedis, startRedis, type TestRedis } from '../helpers/redis-server.js';
import {
  admin,
  CLOCK,
  fhir,
  type Replica,
  spineCode,
  startReplicas,
  stopReplicas,
  uniquePrefix,
} from '../helpers/replicas.js';

const metadata = (r: { url: string }) => fhir(r, 'read:metadata-1', 'GET', '/metadata');
const ON_METADATA = { method: 'GET', path: '/metadata' };
const CRASH = { code: 'INTERNAL_SERVER_ERROR' };

describe.skipIf(!hasRedis)('faults armed on one replica fire across all of them', () => {
  let redis: TestRedis;
  let replicas: Replica[] = [];
  let single: RunningCli | undefined;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await stopReplicas([...replicas, single]);
    replicas = [];
    single = undefined;
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('skip and times are counted once over the replicas, in request order', async () => {
    replicas = await startReplicas(redis, { count: 3, prefix: uniquePrefix('times') });
    const armed = await admin(replicas[0]!, 'POST', '/faults', {
      name: 'skip-two-then-three',
      when: ON_METADATA,
      error: CRASH,
      skip: 2,
      times: 3,
    });
    expect(armed.status, armed.text).toBe(201);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await metadata(replicas[i % 3]!)).status);
    expect(statuses).toEqual([200, 200, 500, 500]);
    for (const r of replicas) {
      const listed = (await admin(r, 'GET', '/faults')).body;
      expect(listed, r.name).toEqual([
        expect.objectContaining({ name: 'skip-two-then-three', remaining: 1 }),
      ]);
    }
    for (let i = 4; i < 9; i++) statuses.push((await metadata(replicas[i % 3]!)).status);
    expect(statuses).toEqual([200, 200, 500, 500, 500, 200, 200, 200, 200]);
    // Used up: no replica lists it any more.
    for (const r of replicas) expect((await admin(r, 'GET', '/faults')).body, r.name).toEqual([]);
  });

  it('of 30 concurrent matching requests over 3 replicas, exactly `times` fire after `skip`', async () => {
    replicas = await startReplicas(redis, { count: 3, prefix: uniquePrefix('times-race') });
    const armed = await admin(replicas[1]!, 'POST', '/faults', {
      name: 'six-after-four',
      when: ON_METADATA,
      error: CRASH,
      skip: 4,
      times: 6,
    });
    expect(armed.status, armed.text).toBe(201);
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => metadata(replicas[i % 3]!)));
    const faulted = answers.filter((a) => a.status === 500);
    expect(faulted).toHaveLength(6);
    for (const f of faulted) expect(spineCode(f)).toBe('INTERNAL_SERVER_ERROR');
    expect(answers.filter((a) => a.status === 200)).toHaveLength(24);
    // The journal (shared) names the rule on exactly those six.
    const journal = (await admin(replicas[2]!, 'GET', '/requests')).body as Array<{ fault?: unknown }>;
    expect(journal.filter((e) => JSON.stringify(e.fault ?? null).includes('six-after-four'))).toHaveLength(6);
  });

  it('a rule disarmed on B no longer fires on A; one armed again by the same name starts afresh', async () => {
    replicas = await startReplicas(redis, { count: 2, prefix: uniquePrefix('disarm') });
    const [a, b] = replicas as [Replica, Replica];
    const rule = { name: 'once', when: ON_METADATA, error: CRASH, times: 1 };
    expect((await admin(a, 'POST', '/faults', rule)).status).toBe(201);
    expect((await admin(b, 'GET', '/faults')).body.map((r: { name: string }) => r.name)).toEqual(['once']);
    expect((await admin(b, 'DELETE', '/faults/once')).body).toEqual({ disarmed: ['once'] });
    expect((await metadata(a)).status).toBe(200);
    expect((await admin(a, 'GET', '/faults')).body).toEqual([]);

    expect((await admin(b, 'POST', '/faults', rule)).status).toBe(201);
    expect((await metadata(a)).status).toBe(500);
    expect((await metadata(b)).status).toBe(200);
    expect((await metadata(a)).status).toBe(200);
  });

  it('a seeded probability rule gives the n-th matching request the outcome one in-memory sandbox gives it', async () => {
    const rule = { name: 'coin', when: ON_METADATA, error: CRASH, probability: 0.5 };
    const seed = ['--random-seed', '7'];
    // One process, in memory, the requests in order (a read that does not match in between).
    single = await startCli(['--clock', CLOCK, '--quiet', ...seed]);
    expect((await admin(single, 'POST', '/faults', rule)).status).toBe(201);
    const expected: number[] = [];
    for (let i = 0; i < 24; i++) {
      expected.push((await metadata(single)).status);
      if (i % 5 === 0) expect((await fhir(single, 'read:patient-1', 'GET', '/Patient/1')).status).toBe(200);
    }
    // Both outcomes occur, so equality below says something.
    expect(new Set(expected)).toEqual(new Set([200, 500]));

    replicas = await startReplicas(redis, { count: 3, prefix: uniquePrefix('coin'), args: seed });
    expect((await admin(replicas[2]!, 'POST', '/faults', rule)).status).toBe(201);
    const got: number[] = [];
    for (let i = 0; i < 24; i++) {
      got.push((await metadata(replicas[i % 3]!)).status);
      if (i % 5 === 0) {
        expect((await fhir(replicas[(i + 1) % 3]!, 'read:patient-1', 'GET', '/Patient/1')).status).toBe(200);
      }
    }
    expect(got).toEqual(expected);

    // Concurrent requests draw the same first n outcomes: as many fire as in the first n in order.
    expect((await admin(replicas[0]!, 'POST', '/faults', rule)).status).toBe(201);
    const concurrent = await Promise.all(Array.from({ length: 24 }, (_, i) => metadata(replicas[i % 3]!)));
    expect(concurrent.filter((a) => a.status === 500).length).toBe(expected.filter((s) => s === 500).length);
  });
});
