// issue 16: a replica started against a prefix that holds state written for another seed, schema
// version or profile refuses to start: exit 2, one stderr line naming the key (<prefix>:meta) and
// the mismatch, and nothing in Redis changed (every key's DUMP compared before and after).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedExample } from '../helpers/bodies.js';
import { runCli, startCli } from '../helpers/cli.js';
import { hasRedis, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { CLOCK, fhir, type Replica, startReplica, stopReplicas, uniquePrefix } from '../helpers/replicas.js';

/** Every key in the Redis with its DUMP (hex) and TTL, so any change to any key shows. */
async function dumpAll(client: Redis): Promise<Map<string, string>> {
  const keys = (await client.keys('*')).sort();
  const out = new Map<string, string>();
  for (const key of keys) {
    const dump = await client.dumpBuffer(key);
    const ttl = await client.pttl(key);
    out.set(key, `${dump?.toString('hex')} ttl=${ttl < 0 ? ttl : 'set'}`);
  }
  return out;
}

/** Point the meta key at another schema version, whatever shape the implementation gave it. */
async function bumpSchemaVersion(client: Redis, key: string): Promise<void> {
  const type = await client.type(key);
  if (type === 'hash') {
    const fields = await client.hgetall(key);
    const field = Object.keys(fields).find((f) => /schema/i.test(f));
    if (!field) throw new Error(`${key} is a hash without a schema version field: ${JSON.stringify(fields)}`);
    await client.hset(key, field, String(Number(fields[field]) + 1000));
    return;
  }
  if (type === 'string') {
    const doc = JSON.parse((await client.get(key))!) as Record<string, unknown>;
    const field = Object.keys(doc).find((f) => /schema/i.test(f));
    if (!field) throw new Error(`${key} holds JSON without a schema version field: ${JSON.stringify(doc)}`);
    doc[field] = Number(doc[field]) + 1000;
    await client.set(key, JSON.stringify(doc));
    return;
  }
  throw new Error(`${key} is a ${type}: expected a hash or a JSON string`);
}

describe.skipIf(!hasRedis)('a replica refuses state written for another seed, schema or profile', () => {
  let redis: TestRedis;
  let client: Redis;
  let otherSeed: string;
  let dir: string;
  let replicas: Replica[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    dir = mkdtempSync(join(tmpdir(), 'gpc-redis-refusal-'));
    otherSeed = join(dir, 'other-seed');
    const made = await runCli([
      'seed',
      '--random-seed',
      '42',
      '--patients',
      '5',
      '--practitioners',
      '1',
      '--days',
      '3',
      '--out',
      otherSeed,
    ]);
    expect(made.code, made.stderr).toBe(0);
  });
  afterEach(async () => {
    await stopReplicas(replicas);
    replicas = [];
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const cases: Array<{
    what: string;
    first: string[];
    second: string[];
    mismatch: RegExp;
    tamper?: (prefix: string) => Promise<void>;
  }> = [
    { what: 'another seed', first: [], second: ['--seed', 'OTHER_SEED'], mismatch: /seed/i },
    {
      what: 'another profile',
      first: ['--profile', 'careconnect'],
      second: ['--profile', 'gpconnect-1.2.7'],
      mismatch: /profile/i,
    },
    {
      what: 'another schema version',
      first: [],
      second: [],
      mismatch: /schema/i,
      tamper: (prefix) => bumpSchemaVersion(client, `${prefix}:meta`),
    },
  ];

  it.each(cases)(
    'refuses state written for $what: exit 2, one line naming the key, Redis unchanged',
    async (c) => {
      const prefix = uniquePrefix('refuse');
      const first = await startReplica(redis, prefix, 'A', { args: c.first });
      replicas.push(first);
      const booked = await fhir(first, 'create:appointment-1', 'POST', '/Appointment', seedExample());
      expect(booked.status, booked.text.slice(0, 300)).toBe(201);
      expect(await first.stop('SIGTERM')).toBe(0);
      await c.tamper?.(prefix);

      const before = await dumpAll(client);
      expect([...before.keys()]).toContain(`${prefix}:meta`);
      const refused = await runCli([
        'start',
        '--port',
        '0',
        '--db',
        redis.url,
        '--redis-prefix',
        prefix,
        '--clock',
        CLOCK,
        ...c.second.map((arg) => (arg === 'OTHER_SEED' ? otherSeed : arg)),
      ]);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stdout).not.toMatch(/listening on/);
      const lines = refused.stderr.trim().split('\n');
      expect(lines, refused.stderr).toHaveLength(1);
      expect(lines[0]).toContain(`${prefix}:meta`);
      expect(lines[0]).toMatch(c.mismatch);
      expect(await dumpAll(client)).toEqual(before);

      // A replica started as the first was still serves what the first stored (unless the schema
      // was tampered with, which stays refused).
      if (!c.tamper) {
        const again = await startReplica(redis, prefix, 'A2', { args: c.first });
        replicas.push(again);
        expect(
          (await fhir(again, 'read:appointment-1', 'GET', `/Appointment/${booked.body.id}`)).status,
        ).toBe(200);
      }
    },
  );

  it('keeps sandboxes under different prefixes apart in one Redis', async () => {
    const [p1, p2] = [uniquePrefix('apart'), uniquePrefix('apart')];
    const one = await startReplica(redis, p1, 'P1');
    replicas.push(one);
    // Another seed under another prefix of the same Redis is fine.
    const two = await startReplica(redis, p2, 'P2', { args: ['--seed', otherSeed] });
    replicas.push(two);
    const booked = await fhir(one, 'create:appointment-1', 'POST', '/Appointment', seedExample());
    expect(booked.status).toBe(201);
    const onTwo = await fhir(two, 'read:appointment-1', 'GET', `/Appointment/${booked.body.id}`);
    expect(onTwo.status).toBe(404);
    const keys = await client.keys('*');
    expect(keys.filter((k) => k.startsWith(`${p1}:`)).length).toBeGreaterThan(0);
    expect(keys.filter((k) => k.startsWith(`${p2}:`)).length).toBeGreaterThan(0);
    // Every key this file's sandboxes wrote is under one of their prefixes.
    expect(keys.filter((k) => !k.startsWith('gpc-test-'))).toEqual([]);

    // Without --redis-prefix, the prefix is gpc-sandbox.
    const plain = await startCli(['--db', redis.url, '--clock', CLOCK, '--quiet']);
    replicas.push(Object.assign(plain, { name: 'default-prefix' }));
    expect(await client.exists('gpc-sandbox:meta')).toBe(1);
    const third = await fhir(plain, 'read:appointment-1', 'GET', `/Appointment/${booked.body.id}`);
    expect(third.status).toBe(404);
  });
});
