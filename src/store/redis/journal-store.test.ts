import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedis, startRedis, type TestRedis } from '../../../test/helpers/redis-server.js';
import {
  Journal,
  JournalBudget,
  type JournalRecord,
  type PendingEntry,
  recordBytes,
} from '../../application/journal.js';
import { RedisJournalStore } from './journal-store.js';

let redis: TestRedis;
let client: Redis;
let prefixes = 0;

/** A store under a prefix of its own, so the tests share one redis-server without meeting. */
function store(capacity: number, budgetBytes = Number.POSITIVE_INFINITY, on = client): RedisJournalStore {
  return new RedisJournalStore({ client: on, prefix: `t${++prefixes}`, capacity, budgetBytes });
}

beforeAll(async () => {
  if (!hasRedis) return;
  redis = await startRedis();
  client = new Redis(redis.url, { maxRetriesPerRequest: 0 });
});

afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
});

const entry = (name: string) => JSON.stringify({ name });
const names = (entries: Array<{ seq: number; json: string }>) =>
  entries.map((e) => [e.seq, (JSON.parse(e.json) as { name: string }).name]);

describe.skipIf(!hasRedis)('RedisJournalStore', () => {
  it('keeps at most capacity entries per world, newest first, each world on its own', async () => {
    const journal = store(3);
    for (const name of ['a1', 'a2', 'a3', 'a4', 'a5']) await journal.append('default', entry(name), 100);
    await journal.append('session-1', entry('b1'), 40);
    expect(names(await journal.list('default', 10))).toEqual([
      [5, 'a5'],
      [4, 'a4'],
      [3, 'a3'],
    ]);
    expect(names(await journal.list('default', 2))).toEqual([
      [5, 'a5'],
      [4, 'a4'],
    ]);
    expect(names(await journal.list('session-1', 10))).toEqual([[1, 'b1']]);
    expect(await journal.stats('default')).toEqual({ size: 3, newestSeq: 5, bytes: 300 });
    expect(await journal.stats('never-used')).toEqual({ size: 0, newestSeq: 0, bytes: 0 });
    expect(await journal.list('never-used', 10)).toEqual([]);
    expect(await journal.usedBytes()).toBe(340);
  });

  it('evicts the oldest entries across all worlds when the byte budget is exceeded', async () => {
    const journal = store(10, 1000);
    await journal.append('default', entry('a1'), 300);
    await journal.append('s1', entry('b1'), 300);
    await journal.append('default', entry('a2'), 300);
    await journal.append('s1', entry('b2'), 300); // 1200: a1 goes
    await journal.append('default', entry('a3'), 300); // 1200: b1 goes
    expect(names(await journal.list('default', 10))).toEqual([
      [3, 'a3'],
      [2, 'a2'],
    ]);
    expect(names(await journal.list('s1', 10))).toEqual([[2, 'b2']]);
    expect(await journal.usedBytes()).toBe(900);

    // An entry bigger than the whole budget takes everything with it, itself included.
    expect(await journal.append('s2', entry('huge'), 1001)).toBe(1);
    for (const world of ['default', 's1', 's2']) expect(await journal.list(world, 10)).toEqual([]);
    expect(await journal.usedBytes()).toBe(0);
    expect(await journal.append('default', entry('a4'), 10)).toBe(4);
  });

  it('completes a pending entry in place, re-counting its bytes against the budget', async () => {
    const journal = store(10, 1000);
    const pending = await journal.append('default', entry('pending'), 100);
    await journal.append('s1', entry('b1'), 100);
    await journal.append('default', entry('a2'), 100);
    expect(await journal.complete('default', pending, entry('answered'), 400)).toBe(pending);
    expect(names(await journal.list('default', 10))).toEqual([
      [2, 'a2'],
      [1, 'answered'],
    ]);
    expect(await journal.stats('default')).toEqual({ size: 2, newestSeq: 2, bytes: 500 });
    expect(await journal.usedBytes()).toBe(600);

    // Completing keeps the entry's place in arrival order: growing it past the budget evicts it
    // (the oldest of all) first, not b1.
    expect(await journal.complete('default', pending, entry('bigger'), 850)).toBe(pending);
    expect(names(await journal.list('default', 10))).toEqual([[2, 'a2']]);
    expect(names(await journal.list('s1', 10))).toEqual([[1, 'b1']]);
    expect(await journal.usedBytes()).toBe(200);
  });

  it('appends a completed entry anew when the capacity, the budget or a clear took the pending one', async () => {
    const byCapacity = store(2);
    const first = await byCapacity.append('default', entry('pending'), 10);
    await byCapacity.append('default', entry('a2'), 10);
    await byCapacity.append('default', entry('a3'), 10);
    expect(await byCapacity.complete('default', first, entry('answered'), 10)).toBe(4);
    expect(names(await byCapacity.list('default', 10))).toEqual([
      [4, 'answered'],
      [3, 'a3'],
    ]);
    expect(await byCapacity.usedBytes()).toBe(20);

    const byBudget = store(10, 100);
    const evicted = await byBudget.append('s1', entry('pending'), 60);
    await byBudget.append('default', entry('a1'), 60);
    expect(await byBudget.list('s1', 10)).toEqual([]);
    expect(await byBudget.complete('s1', evicted, entry('answered'), 30)).toBe(2);
    expect(names(await byBudget.list('s1', 10))).toEqual([[2, 'answered']]);
    expect(await byBudget.usedBytes()).toBe(90);

    const byClear = store(10);
    const cleared = await byClear.append('default', entry('pending'), 10);
    await byClear.clear('default');
    expect(await byClear.complete('default', cleared, entry('answered'), 10)).toBe(2);
    expect(names(await byClear.list('default', 10))).toEqual([[2, 'answered']]);
  });

  it('keeps the seq counter across clear() and clearAll(), and gives the bytes back', async () => {
    const journal = store(10, 1000);
    for (const name of ['a1', 'a2', 'a3']) await journal.append('default', entry(name), 200);
    await journal.append('s1', entry('b1'), 200);
    await journal.clear('default');
    expect(await journal.stats('default')).toEqual({ size: 0, newestSeq: 0, bytes: 0 });
    expect(await journal.usedBytes()).toBe(200);
    expect(await journal.append('default', entry('a4'), 200)).toBe(4);
    expect(names(await journal.list('s1', 10))).toEqual([[1, 'b1']]);

    await journal.clearAll();
    expect(await journal.usedBytes()).toBe(0);
    for (const world of ['default', 's1']) expect(await journal.list(world, 10)).toEqual([]);
    expect(await journal.append('default', entry('a5'), 200)).toBe(5);
    expect(await journal.append('s1', entry('b2'), 200)).toBe(2);
    // Nothing cleared still counts: four more entries fit the budget beside the two.
    for (const name of ['a6', 'a7', 'a8']) await journal.append('default', entry(name), 200);
    expect((await journal.stats('default')).size).toBe(4);
    expect((await journal.stats('s1')).size).toBe(1);
  });

  it('drop() forgets a world: entries, bytes and counter go, and a late completion is discarded', async () => {
    const journal = store(10, 1000);
    const pending = await journal.append('s1', entry('pending'), 300);
    await journal.append('s1', entry('b2'), 300);
    await journal.append('default', entry('a1'), 300);
    await journal.drop('s1');
    expect(await journal.usedBytes()).toBe(300);
    expect(await journal.stats('s1')).toEqual({ size: 0, newestSeq: 0, bytes: 0 });
    expect(await journal.complete('s1', pending, entry('answered'), 300)).toBe(0);
    expect(await journal.list('s1', 10)).toEqual([]);
    // The dropped entries no longer count: two more fit beside a1 without evicting it.
    await journal.append('default', entry('a2'), 300);
    await journal.append('default', entry('a3'), 300);
    expect((await journal.stats('default')).size).toBe(3);
    // A session of the same id later starts from seq 1.
    expect(await journal.append('s1', entry('again'), 10)).toBe(1);
  });

  it('issues each command at once in call order, so a list() after an unawaited append() sees it', async () => {
    const journal = store(100);
    const seqs = Array.from({ length: 20 }, (_, i) => journal.append('default', entry(`a${i + 1}`), 10));
    const listed = journal.list('default', 100);
    const completed = journal.complete('default', 3, entry('answered'), 10);
    const after = journal.list('default', 1000);
    expect(await Promise.all(seqs)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect((await listed).map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => 20 - i));
    expect(await completed).toBe(3);
    expect(names(await after).at(-3)).toEqual([3, 'answered']);
  });

  it('two clients (two replicas) interleaving appends and completions keep one consistent journal', async () => {
    const other = new Redis(redis.url, { maxRetriesPerRequest: 0 });
    try {
      const prefix = `t${++prefixes}`;
      const options = { prefix, capacity: 50, budgetBytes: 20_000 };
      const a = new RedisJournalStore({ client, ...options });
      const b = new RedisJournalStore({ client: other, ...options });
      const worlds = ['default', 'session:1'];
      const fired: Array<Promise<{ world: string; seq: number; replica: RedisJournalStore }>> = [];
      for (let i = 0; i < 400; i++) {
        const replica = i % 3 === 0 ? b : a;
        const world = worlds[i % 2]!;
        fired.push(
          replica.append(world, entry(`r${i}`), 100 + (i % 7) * 10).then((seq) => ({ world, seq, replica })),
        );
      }
      const appended = await Promise.all(fired);
      for (const world of worlds) {
        const seqs = appended.filter((x) => x.world === world).map((x) => x.seq);
        expect(seqs.toSorted((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      }
      // Each completes its own pending entries, at the same time as the other.
      const completions = await Promise.all(
        appended.map((x, i) => x.replica.complete(x.world, x.seq, entry(`done${i}`), 150)),
      );
      for (const world of worlds) {
        const fromA = await a.list(world, 100);
        const fromB = await b.list(world, 100);
        expect(fromB).toEqual(fromA);
        expect(fromA.length).toBeLessThanOrEqual(50);
        const seqs = fromA.map((e) => e.seq);
        expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! - i));
        expect(fromA.every((e) => (JSON.parse(e.json) as { name: string }).name.startsWith('done'))).toBe(
          true,
        );
        const stats = await b.stats(world);
        expect(stats.size).toBe(fromA.length);
        expect(stats.newestSeq).toBe(Math.max(...completions.filter((_, i) => appended[i]!.world === world)));
      }
      const [s0, s1] = await Promise.all(worlds.map((w) => a.stats(w)));
      expect(await b.usedBytes()).toBe(s0!.bytes + s1!.bytes);
      expect(s0!.bytes + s1!.bytes).toBeLessThanOrEqual(20_000);
      expect(s0!.bytes).toBe(s0!.size * 150);
    } finally {
      other.disconnect();
    }
  });

  it('refuses a bad world id, seq, byte count or limit, a bad budget and a client with keyPrefix', async () => {
    const journal = store(10);
    for (const world of ['', 'a b', 'x'.repeat(131), 'ü', 'a/b']) {
      await expect(journal.append(world, entry('x'), 1)).rejects.toThrow(RangeError);
      await expect(journal.list(world, 1)).rejects.toThrow(RangeError);
      await expect(journal.clear(world)).rejects.toThrow(RangeError);
    }
    await expect(journal.append('a.b_c:d-E9', entry('x'), 1)).resolves.toBe(1);
    await expect(journal.append(`s:${'x'.repeat(128)}`, entry('x'), 1)).resolves.toBe(1);
    for (const bytes of [-1, 1.5, Number.NaN]) {
      await expect(journal.append('default', entry('x'), bytes)).rejects.toThrow(RangeError);
    }
    await expect(journal.complete('default', 0, entry('x'), 1)).rejects.toThrow(RangeError);
    await expect(journal.list('default', -1)).rejects.toThrow(RangeError);
    expect(await journal.list('default', 0)).toEqual([]);
    expect(() => store(10, -5)).toThrow(RangeError);
    expect(() => store(1.5)).toThrow(RangeError);
    const prefixed = new Redis(redis.url, { keyPrefix: 'p:', lazyConnect: true });
    expect(() => store(10, 100, prefixed)).toThrow(/keyPrefix/);
    prefixed.disconnect();
  });
});

/** mulberry32: a small seeded generator, so a failing sequence can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.skipIf(!hasRedis)('RedisJournalStore against the in-process Journal', () => {
  const CAPACITY = 6;
  const BUDGET = 6_000;
  const WORLDS = ['default', 's1', 'team-a:x.1', 's_3'];

  it.each([1, 2, 3, 4])(
    'gives the same lists, seqs and bytes after every step of random sequence %i',
    async (seed) => {
      const next = random(seed);
      const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)]!;
      const budget = new JournalBudget(BUDGET);
      const journals = new Map(WORLDS.map((w) => [w, new Journal(CAPACITY, budget)]));
      const redisJournal = store(CAPACITY, BUDGET);
      const pendings: Array<{ world: string; entry: PendingEntry; seq: number }> = [];
      let n = 0;
      const record = (pending = false): JournalRecord => {
        // A pending entry has no response yet: small; an answered one sometimes grows a lot.
        const roll = pending ? 1 : next();
        const size =
          roll < 0.03 ? 7000 : roll < 0.2 ? 1000 + Math.floor(next() * 1000) : Math.floor(next() * 200);
        return {
          timeMs: 0,
          method: 'GET',
          path: `/e/${++n}`,
          status: 200,
          ms: 1,
          problems: next() < 0.3 ? ['a problem'] : [],
          request: { headers: { 'ssp-traceid': String(n) }, body: 'x'.repeat(size) },
          response: { headers: {} },
        };
      };
      const json = (r: JournalRecord) => JSON.stringify({ name: r.path });

      const seen = { capacityDrops: 0, budgetEvictions: 0, inPlace: 0, anew: 0, evictedByCompletion: 0 };
      const total = () => [...journals.values()].reduce((sum, j) => sum + j.size, 0);
      for (let step = 0; step < 300; step++) {
        const world = next() < 0.4 ? 'default' : pick(WORLDS);
        const journal = journals.get(world)!;
        const before = total();
        const roll = next();
        let op: string;
        if (roll < 0.6) {
          op = roll < 0.35 ? 'add' : 'begin';
          const full = journal.size === CAPACITY;
          const r = record(op === 'begin');
          const seq = redisJournal.append(world, json(r), recordBytes(r));
          if (op === 'add') journal.add(r);
          else pendings.push({ world, entry: journal.begin(r), seq: await seq });
          await seq;
          if (full) seen.capacityDrops++;
          if (total() < before + 1 - (full ? 1 : 0)) seen.budgetEvictions++;
        } else if (roll < 0.85 && pendings.length > 0) {
          op = 'complete';
          const [pending] = pendings.splice(Math.floor(next() * pendings.length), 1);
          const r = record();
          pending!.entry.complete(r);
          const seq = await redisJournal.complete(pending!.world, pending!.seq, json(r), recordBytes(r));
          if (seq === pending!.seq) seen.inPlace++;
          else seen.anew++;
          if (seq === pending!.seq && total() < before) seen.evictedByCompletion++;
        } else if (roll < 0.93) {
          op = 'clear';
          journal.clear();
          await redisJournal.clear(world);
        } else if (roll < 0.97) {
          // A session expiring: its journal is cleared and forgotten, and so are its requests in
          // flight (the Redis store discards their completions; see complete()).
          op = 'drop';
          journal.clear();
          journals.set(world, new Journal(CAPACITY, budget));
          for (let i = pendings.length - 1; i >= 0; i--)
            if (pendings[i]!.world === world) pendings.splice(i, 1);
          await redisJournal.drop(world);
        } else {
          op = 'clearAll';
          for (const j of journals.values()) j.clear();
          await redisJournal.clearAll();
        }
        const where = `seed ${seed}, step ${step} (${op} on ${world})`;
        const [used, ...views] = await Promise.all([
          redisJournal.usedBytes(),
          ...WORLDS.map(async (w) => ({
            w,
            list: await redisJournal.list(w, 100),
            stats: await redisJournal.stats(w),
          })),
        ]);
        expect(used, where).toBe(budget.usedBytes);
        for (const view of views as Array<{
          w: string;
          list: Array<{ seq: number; json: string }>;
          stats: unknown;
        }>) {
          const expected = journals.get(view.w)!;
          expect(names(view.list), `${where}, world ${view.w}`).toEqual(
            expected.list().map((e) => [e.seq, e.path]),
          );
          expect(view.stats, `${where}, world ${view.w}`).toEqual({
            size: expected.size,
            newestSeq: expected.newestSeq,
            bytes: expected.bytes,
          });
        }
      }
      // The sequence went through every path it is meant to compare.
      for (const [path, count] of Object.entries(seen))
        expect(count, `${path} in sequence ${seed}`).toBeGreaterThan(0);
    },
  );
});
