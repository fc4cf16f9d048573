import type { Redis } from 'ioredis';

/**
 * The request journal kept in Redis, so every replica behind a load balancer writes to and reads
 * from one journal per world (the default state's, `default`, and each session's), under one
 * byte budget shared by all worlds. The semantics are those of the in-process `Journal` and
 * `JournalBudget` (application/journal.ts):
 *
 * - a world keeps at most `capacity` entries; appending past that drops its oldest;
 * - all worlds together keep at most `budgetBytes` bytes: when an entry takes the total over, the
 *   oldest entries across all worlds go first (the new entry itself too, if it alone is too big);
 * - each world numbers its entries with a running `seq` (1, 2, …) that clear() keeps and drop()
 *   forgets;
 * - an entry written on arrival (pending) can be completed later: replaced in place with its bytes
 *   re-counted, or, when it was evicted or cleared meanwhile, appended anew with a new seq.
 *
 * Entries are opaque to the store: a JSON string and the byte count the caller gives it (the
 * journal uses `recordBytes`). Every step that reads and then writes is one Lua script (ioredis
 * `defineCommand`), so it is atomic across replicas. Each method issues its one command at once,
 * in call order, on the client's connection (ioredis sends a connection's commands in order), so
 * a caller may fire append() without awaiting it and a later list() on the same client sees it.
 * (ioredis sends a script's body with EVAL the first time on each connection and EVALSHA after;
 * only a `SCRIPT FLUSH` on a live connection makes it resend one behind later commands.)
 *
 * Key layout, with `B` = `${prefix}:journal` and `W` a world id (1-130 of: `default` or `s:` and a session id of up to 128; `A-Z a-z 0-9 . _ : -`;
 * the world id always comes last, so no two worlds' keys can meet):
 *
 * | key               | type   | holds                                                               |
 * |-------------------|--------|---------------------------------------------------------------------|
 * | `B:world:W`       | hash   | `seq`: the last seq handed out in W; `bytes`: W's kept entries' bytes |
 * | `B:entries:W`     | list   | W's entries' JSON, oldest first                                     |
 * | `B:sizes:W`       | list   | their byte counts, index for index                                  |
 * | `B:worlds`        | set    | the worlds that have a `B:world:W` hash (for clearAll)              |
 * | `B:queue`         | zset   | every kept entry of every world, member `"<seq> <W>"`, score its arrival number: oldest first |
 * | `B:arrivals`      | string | the last arrival number handed out (never reset)                    |
 * | `B:used`          | string | bytes of all kept entries of all worlds                             |
 *
 * Invariant: entries only ever leave a world from its oldest end (the capacity drops the oldest;
 * the globally oldest entry is also its world's oldest, since both orders are arrival order) or
 * all at once (clear, drop), so W's kept entries are exactly seqs `seq - LLEN + 1 … seq`, and the
 * entry with seq `s` sits at list index `s - (seq - LLEN + 1)`.
 *
 * The scripts touch the keys of worlds other than the one named (eviction, clearAll), which they
 * build from `B`: this needs a standalone Redis (or a prefix with a hash tag, `{gpc}`, on a
 * cluster), and a client without ioredis' `keyPrefix`.
 */

/** What a world id may be: the session ids X-Sandbox-Session accepts, and `default`. */
const WORLD_ID = /^[A-Za-z0-9._:-]{1,130}$/;

/** One kept entry as list() returns it. */
export interface StoredJournalEntry {
  seq: number;
  /** The JSON string the caller appended (or completed it with). */
  json: string;
}

/** What stats() says about one world's journal. */
export interface JournalStats {
  /** Entries kept. */
  size: number;
  /** The newest kept entry's seq; 0 when the journal is empty. */
  newestSeq: number;
  /** The bytes its kept entries count against the shared budget. */
  bytes: number;
}

export interface RedisJournalStoreOptions {
  /** A connected (or connecting) ioredis client without `keyPrefix`; the store does not close it. */
  client: Redis;
  /** Keys live under `${prefix}:journal:` (e.g. `gpc-sandbox`). */
  prefix: string;
  /** Entries each world keeps at most (a whole number, 0 or more). */
  capacity: number;
  /** Bytes all worlds keep together at most (0 or more; Infinity for no limit). */
  budgetBytes: number;
}

/**
 * Shared by the writing scripts. KEYS: 1 `B:used`, 2 `B:arrivals`, 3 `B:queue`, 4 `B:worlds`,
 * 5 `B:world:W`, 6 `B:entries:W`, 7 `B:sizes:W`. ARGV: 1 `B`, 2 W, 3 capacity, 4 budget in bytes
 * (negative: no limit), then the script's own.
 *
 * - `dropOldest(w, meta, entries, sizes)`: w's oldest entry leaves its lists and the queue, and
 *   its bytes leave w's and the global count.
 * - `evictOverBudget()`: while the global count exceeds the budget, the queue's oldest entry
 *   leaves (ZPOPMIN, so the loop ends even were the invariant broken).
 * - `appendEntry(json, bytes)`: the next seq of W; the entry goes to W's newest end and the
 *   queue's; W's oldest go beyond capacity, then the oldest of all beyond the budget. Returns seq.
 */
const COMMON_LUA = `
local used, arrivals, queue, worlds = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local base, world = ARGV[1], ARGV[2]
local capacity, budget = tonumber(ARGV[3]), tonumber(ARGV[4])

local function dropOldest(w, meta, entries, sizes)
  local n = redis.call('LLEN', entries)
  if n == 0 then return end
  local first = (tonumber(redis.call('HGET', meta, 'seq')) or 0) - n + 1
  redis.call('LPOP', entries)
  local bytes = tonumber(redis.call('LPOP', sizes)) or 0
  redis.call('ZREM', queue, string.format('%d ', first) .. w)
  redis.call('HINCRBY', meta, 'bytes', -bytes)
  redis.call('DECRBY', used, bytes)
end

local function evictOverBudget()
  if budget < 0 then return end
  while (tonumber(redis.call('GET', used)) or 0) > budget do
    local oldest = redis.call('ZPOPMIN', queue)
    if #oldest == 0 then return end
    local w = string.match(oldest[1], '^%d+ (.+)$')
    dropOldest(w, base .. ':world:' .. w, base .. ':entries:' .. w, base .. ':sizes:' .. w)
  end
end

local function appendEntry(json, bytes)
  local meta, entries, sizes = KEYS[5], KEYS[6], KEYS[7]
  local seq = redis.call('HINCRBY', meta, 'seq', 1)
  redis.call('SADD', worlds, world)
  redis.call('RPUSH', entries, json)
  redis.call('RPUSH', sizes, bytes)
  redis.call('HINCRBY', meta, 'bytes', bytes)
  redis.call('INCRBY', used, bytes)
  redis.call('ZADD', queue, redis.call('INCR', arrivals), string.format('%d ', seq) .. world)
  while redis.call('LLEN', entries) > capacity do dropOldest(world, meta, entries, sizes) end
  evictOverBudget()
  return seq
end
`;

/** append: ARGV 5 the entry's JSON, 6 its bytes. Returns the entry's seq. */
const APPEND_LUA = `${COMMON_LUA}
return appendEntry(ARGV[5], ARGV[6])
`;

/**
 * complete: ARGV 5 the completed entry's JSON, 6 its bytes, 7 the seq append() gave it. When that
 * seq is still kept in W, the entry is replaced in place (its place in the queue unchanged), the
 * difference in bytes is counted and the budget enforced; returns the seq. When it is not (the
 * capacity, the budget or a clear took it), the entry is appended anew; returns the new seq. When
 * W has no counter (dropped: the session expired), the entry is discarded; returns 0.
 */
const COMPLETE_LUA = `${COMMON_LUA}
local meta, entries, sizes = KEYS[5], KEYS[6], KEYS[7]
local json, bytes, seq = ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
local counter = tonumber(redis.call('HGET', meta, 'seq'))
if not counter then return 0 end
local first = counter - redis.call('LLEN', entries) + 1
if seq < first or seq > counter then return appendEntry(json, ARGV[6]) end
local at = seq - first
local delta = bytes - (tonumber(redis.call('LINDEX', sizes, at)) or 0)
redis.call('LSET', entries, at, json)
redis.call('LSET', sizes, at, ARGV[6])
redis.call('HINCRBY', meta, 'bytes', delta)
redis.call('INCRBY', used, delta)
evictOverBudget()
return seq
`;

/**
 * list: KEYS 1 `B:world:W`, 2 `B:entries:W`; ARGV 1 how many (1 or more). Returns
 * `{ W's last seq, { the newest that many JSONs, oldest first } }`; the newest has the last seq.
 */
const LIST_LUA = `
local counter = tonumber(redis.call('HGET', KEYS[1], 'seq')) or 0
return { counter, redis.call('LRANGE', KEYS[2], -tonumber(ARGV[1]), -1) }
`;

/** stats: KEYS 1 `B:world:W`, 2 `B:entries:W`. Returns `{ size, last seq, bytes }`. */
const STATS_LUA = `
local fields = redis.call('HMGET', KEYS[1], 'seq', 'bytes')
return { redis.call('LLEN', KEYS[2]), tonumber(fields[1]) or 0, tonumber(fields[2]) or 0 }
`;

/**
 * clear or drop: KEYS 1 `B:used`, 2 `B:queue`, 3 `B:worlds`, 4 `B:world:W`, 5 `B:entries:W`,
 * 6 `B:sizes:W`; ARGV 1 W, 2 `drop` or `clear`. W's entries leave the queue and their bytes the
 * global count; `clear` keeps W's counter, `drop` deletes it and forgets W. Returns the entries
 * removed.
 */
const REMOVE_LUA = `
local used, queue, worlds, meta, entries, sizes = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local world, mode = ARGV[1], ARGV[2]
local counter = tonumber(redis.call('HGET', meta, 'seq'))
if not counter then return 0 end
local n = redis.call('LLEN', entries)
local members = {}
for seq = counter - n + 1, counter do
  members[#members + 1] = string.format('%d ', seq) .. world
  if #members == 1000 then
    redis.call('ZREM', queue, unpack(members))
    members = {}
  end
end
if #members > 0 then redis.call('ZREM', queue, unpack(members)) end
redis.call('DECRBY', used, tonumber(redis.call('HGET', meta, 'bytes')) or 0)
redis.call('DEL', entries, sizes)
if mode == 'drop' then
  redis.call('DEL', meta)
  redis.call('SREM', worlds, world)
else
  redis.call('HSET', meta, 'bytes', 0)
end
return n
`;

/**
 * clearAll: KEYS 1 `B:used`, 2 `B:queue`, 3 `B:worlds`; ARGV 1 `B`. Every world's entries go,
 * every counter stays. Returns the number of worlds.
 */
const CLEAR_ALL_LUA = `
local base = ARGV[1]
local all = redis.call('SMEMBERS', KEYS[3])
for _, w in ipairs(all) do
  redis.call('DEL', base .. ':entries:' .. w, base .. ':sizes:' .. w)
  redis.call('HSET', base .. ':world:' .. w, 'bytes', 0)
end
redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[1], 0)
return #all
`;

type Arg = string | number;

/** The commands defineCommand adds to the client (names prefixed so they cannot meet others'). */
interface JournalCommands {
  gpcJournalAppend(...args: Arg[]): Promise<number>;
  gpcJournalComplete(...args: Arg[]): Promise<number>;
  gpcJournalList(...args: Arg[]): Promise<[number, string[]]>;
  gpcJournalStats(...args: Arg[]): Promise<[number, number, number]>;
  gpcJournalRemove(...args: Arg[]): Promise<number>;
  gpcJournalClearAll(...args: Arg[]): Promise<number>;
}

const SCRIPTS: Record<keyof JournalCommands, { numberOfKeys: number; lua: string }> = {
  gpcJournalAppend: { numberOfKeys: 7, lua: APPEND_LUA },
  gpcJournalComplete: { numberOfKeys: 7, lua: COMPLETE_LUA },
  gpcJournalList: { numberOfKeys: 2, lua: LIST_LUA },
  gpcJournalStats: { numberOfKeys: 2, lua: STATS_LUA },
  gpcJournalRemove: { numberOfKeys: 6, lua: REMOVE_LUA },
  gpcJournalClearAll: { numberOfKeys: 3, lua: CLEAR_ALL_LUA },
};

function checkWorld(world: string): void {
  if (typeof world !== 'string' || !WORLD_ID.test(world)) {
    throw new RangeError(`journal world id ${JSON.stringify(world)} is not 1-130 of A-Z a-z 0-9 . _ : -`);
  }
}

function checkCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`journal ${name} must be a whole number of 0 or more, not ${value}`);
  }
}

/** Run `issue` now; its throw becomes a rejected promise, so every method fails the same way. */
function issued<T>(issue: () => Promise<T>): Promise<T> {
  try {
    return issue();
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The journal of every world in one Redis (see the module comment for the semantics and keys).
 * Throws RangeError (from the constructor) on a bad capacity, budget or prefix, or a client with
 * `keyPrefix`; the methods reject with RangeError on a bad world id, seq, byte count or limit, and
 * with ioredis' errors when Redis cannot be reached.
 */
export class RedisJournalStore {
  private readonly client: Redis & JournalCommands;
  private readonly base: string;
  private readonly capacity: number;
  /** Bytes, or -1 for no limit (the scripts' convention). */
  private readonly budget: number;

  constructor(options: RedisJournalStoreOptions) {
    const { client, prefix, capacity, budgetBytes } = options;
    if (typeof prefix !== 'string' || prefix === '')
      throw new RangeError('journal key prefix must not be empty');
    checkCount('capacity', capacity);
    if (budgetBytes !== Number.POSITIVE_INFINITY) checkCount('budgetBytes', budgetBytes);
    if (client.options.keyPrefix) {
      throw new RangeError('the journal store builds keys inside Lua: give it a client without keyPrefix');
    }
    for (const [name, script] of Object.entries(SCRIPTS)) client.defineCommand(name, script);
    this.client = client as Redis & JournalCommands;
    this.base = `${prefix}:journal`;
    this.capacity = capacity;
    this.budget = budgetBytes === Number.POSITIVE_INFINITY ? -1 : budgetBytes;
  }

  private worldKeys(world: string): [string, string, string] {
    return [`${this.base}:world:${world}`, `${this.base}:entries:${world}`, `${this.base}:sizes:${world}`];
  }

  /** The writing scripts' 7 keys and 4 leading arguments (see COMMON_LUA). */
  private writeArgs(world: string): Arg[] {
    const b = this.base;
    const keys = [`${b}:used`, `${b}:arrivals`, `${b}:queue`, `${b}:worlds`, ...this.worldKeys(world)];
    return [...keys, b, world, this.capacity, this.budget];
  }

  /** Add an entry (`bytes` as the caller counts it) to `world`'s journal; resolves with its seq. */
  append(world: string, json: string, bytes: number): Promise<number> {
    return issued(() => {
      checkWorld(world);
      checkCount('bytes', bytes);
      return this.client.gpcJournalAppend(...this.writeArgs(world), json, bytes);
    });
  }

  /**
   * Replace the entry append() numbered `seq` with its completed form, in place if it is still
   * kept (resolves with `seq`), else as a new entry (resolves with the new seq). Resolves with 0,
   * keeping nothing, when `world` was dropped meanwhile.
   */
  complete(world: string, seq: number, json: string, bytes: number): Promise<number> {
    return issued(() => {
      checkWorld(world);
      if (!Number.isSafeInteger(seq) || seq < 1)
        throw new RangeError(`journal seq must be a whole number of 1 or more, not ${seq}`);
      checkCount('bytes', bytes);
      return this.client.gpcJournalComplete(...this.writeArgs(world), json, bytes, seq);
    });
  }

  /** At most `limit` of `world`'s kept entries, newest first. */
  list(world: string, limit: number): Promise<StoredJournalEntry[]> {
    return issued(async () => {
      checkWorld(world);
      if (limit !== Number.POSITIVE_INFINITY) checkCount('limit', limit);
      const count = Math.min(limit, this.capacity);
      if (count === 0) return [];
      const [last, jsons] = await this.client.gpcJournalList(...this.worldKeys(world).slice(0, 2), count);
      const out: StoredJournalEntry[] = [];
      for (let i = jsons.length - 1; i >= 0; i--)
        out.push({ seq: last - (jsons.length - 1 - i), json: jsons[i]! });
      return out;
    });
  }

  /** How many entries `world` keeps, the newest one's seq (0 when none) and their bytes. */
  stats(world: string): Promise<JournalStats> {
    return issued(async () => {
      checkWorld(world);
      const [size, last, bytes] = await this.client.gpcJournalStats(...this.worldKeys(world).slice(0, 2));
      return { size, newestSeq: size === 0 ? 0 : last, bytes };
    });
  }

  /** Bytes all worlds' kept entries count against the budget together. */
  usedBytes(): Promise<number> {
    return issued(async () => Number((await this.client.get(`${this.base}:used`)) ?? 0));
  }

  /** Remove `world`'s entries, giving their bytes back; its seq counter carries on (a reset). */
  clear(world: string): Promise<void> {
    return this.remove(world, 'clear');
  }

  /** Forget `world` (its session expired): its entries go, their bytes are given back, its counter goes. */
  drop(world: string): Promise<void> {
    return this.remove(world, 'drop');
  }

  private remove(world: string, mode: 'clear' | 'drop'): Promise<void> {
    return issued(async () => {
      checkWorld(world);
      const b = this.base;
      await this.client.gpcJournalRemove(
        `${b}:used`,
        `${b}:queue`,
        `${b}:worlds`,
        ...this.worldKeys(world),
        world,
        mode,
      );
    });
  }

  /** Clear every world's journal (reset with `?all=true`); every counter carries on. */
  clearAll(): Promise<void> {
    return issued(async () => {
      const b = this.base;
      await this.client.gpcJournalClearAll(`${b}:used`, `${b}:queue`, `${b}:worlds`, b);
    });
  }
}
