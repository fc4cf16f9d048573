/**
 * The Lua scripts of the Redis store. Each runs atomically on the Redis server (EVALSHA), so a
 * read-then-write step holds across replicas without client-side locks. Key layout (P is
 * --redis-prefix, W a world: `default` or `s:<session id>`):
 *
 * - `P:meta`           hash  schemaVersion, seed (fingerprint), profile: what the state was written for
 * - `P:genseq`         int   the last generation number handed out (every reset/import takes a new one)
 * - `P:genepoch`       str   when the generation counter began (Redis TIME): generations are `EPOCH-N`
 * - `P:globals`        hash  rev, clock (ClockState JSON), scenario ({name, scenario} JSON or "null")
 * - `P:sessions`       zset  session id → when last used (Redis TIME, epoch ms): idle expiry and the cap
 * - `P:w:W:head`       hash  gen, rev: the world's generation and revision (bumped by every commit)
 * - `P:w:W:appts`      hash  appointment id → AppointmentRecord JSON
 * - `P:w:W:misc`       str   {nextAppointmentId, fixturePatients, blockedSlots} JSON
 * - `P:w:W:faults`     str   the world's fault engine state JSON (faults/engine.ts FaultState)
 * - `P:w:W:log`        list  newest first, "rev|flags|ids": what each recent commit changed, so a
 *                            replica a few revisions behind reads only those (flags: a appointments,
 *                            m misc, f faults, * everything)
 *
 * Redis Cluster is not supported: the scripts name keys they compute (one Redis, or a primary
 * with replicas, as README "Running several replicas" says).
 */

/** How many commits a world's change log keeps; a replica further behind reloads the world. */
export const CHANGE_LOG_LENGTH = 256;

const WORLD_SUFFIXES = "{':head', ':appts', ':misc', ':faults', ':log'}";

/**
 * The next generation: `EPOCH-N`, N from a counter and EPOCH the Redis TIME when the counter was
 * first used (kept as text: Lua's numbers would round a 16-digit value). After a FLUSHALL the
 * epoch is new, so no generation repeats one a replica may still hold a copy for.
 */
const NEXT_GEN_LUA = `
local function nextGen(P)
  local epochKey = P .. ':genepoch'
  local epoch = redis.call('GET', epochKey)
  if not epoch then
    local t = redis.call('TIME')
    epoch = t[1] .. '.' .. t[2]
    redis.call('SET', epochKey, epoch)
  end
  local n = redis.pcall('INCR', P .. ':genseq')
  if type(n) == 'table' then
    -- The counter holds something else: start it (and its epoch) afresh.
    local t = redis.call('TIME')
    epoch = t[1] .. '.' .. t[2]
    redis.call('SET', epochKey, epoch)
    redis.call('SET', P .. ':genseq', 1)
    n = 1
  end
  return epoch .. '-' .. n
end
`;

/**
 * meta(P, schemaVersion, seed, profile, clockJSON, scenarioJSON) → {'ok'} or
 * {'mismatch', field, stored, wanted}. First start writes meta and the globals; later starts
 * compare and change nothing when they differ.
 */
export const META_SCRIPT = `
local P = ARGV[1]
local meta = P .. ':meta'
local fields = {'schemaVersion', 'seed', 'profile'}
local wanted = {ARGV[2], ARGV[3], ARGV[4]}
if redis.call('EXISTS', meta) == 1 then
  for i, field in ipairs(fields) do
    local stored = redis.call('HGET', meta, field)
    if stored ~= wanted[i] then return {'mismatch', field, stored or '(missing)', wanted[i]} end
  end
else
  redis.call('HSET', meta, 'schemaVersion', ARGV[2], 'seed', ARGV[3], 'profile', ARGV[4])
end
local globals = P .. ':globals'
if redis.call('EXISTS', globals) == 0 then
  redis.call('HSET', globals, 'rev', 1, 'clock', ARGV[5], 'scenario', ARGV[6])
end
return {'ok'}
`;

/**
 * enter(P, W, knownGen, knownRev, knownGlobalsRev, sessionId, create, ttlMs, maxSessions)
 * → {status, gen, rev, kind, appts[], misc, faults, globalsRev, clock, scenario, expired[]}
 * (status `lost` when `P:meta` is gone: Redis was flushed; the replica writes it again and retries)
 *
 * Brings a replica's copy of world W up to date in one round trip. For a session: sessions idle
 * longer than ttlMs (Redis TIME) are dropped first; an absent session is `absent` (create '0') or
 * made (create '1') unless maxSessions are open (`full`); a made or used one is touched.
 * kind: `same` (nothing changed), `delta` (appts holds the changed records; misc/faults when they
 * changed), `full` (everything). Globals come back only when their rev differs from the known one.
 */
export const ENTER_SCRIPT = `${NEXT_GEN_LUA}
local P, W = ARGV[1], ARGV[2]
if redis.call('EXISTS', P .. ':meta') == 0 then
  -- Flushed (or never written): the replica writes meta again and reads everything afresh.
  return {'lost', '0', '0', 'same', {}, false, false, '0', false, false, {}}
end
local knownGen, knownRev, knownGlobalsRev = ARGV[3], tonumber(ARGV[4]), ARGV[5]
local sid, create = ARGV[6], ARGV[7]
local base = P .. ':w:' .. W
local expired = {}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local globalsRev = redis.call('HGET', P .. ':globals', 'rev') or '0'
local clock, scenario = false, false
if globalsRev ~= knownGlobalsRev then
  clock = redis.call('HGET', P .. ':globals', 'clock') or false
  scenario = redis.call('HGET', P .. ':globals', 'scenario') or false
end

if sid ~= '' then
  local sessions = P .. ':sessions'
  local ttl = tonumber(ARGV[8])
  local old = redis.call('ZRANGEBYSCORE', sessions, '-inf', '(' .. (now - ttl))
  for _, id in ipairs(old) do
    local b = P .. ':w:s:' .. id
    for _, suffix in ipairs(${WORLD_SUFFIXES}) do redis.call('DEL', b .. suffix) end
    redis.call('ZREM', sessions, id)
    table.insert(expired, id)
  end
  if not redis.call('ZSCORE', sessions, sid) then
    if create ~= '1' then
      return {'absent', '0', '0', 'same', {}, false, false, globalsRev, clock, scenario, expired}
    end
    if redis.call('ZCARD', sessions) >= tonumber(ARGV[9]) then
      return {'full', '0', '0', 'same', {}, false, false, globalsRev, clock, scenario, expired}
    end
    for _, suffix in ipairs(${WORLD_SUFFIXES}) do redis.call('DEL', base .. suffix) end
  end
  if create == '1' then redis.call('ZADD', sessions, now, sid) end
end

local head = base .. ':head'
local gen = redis.call('HGET', head, 'gen')
local rev = tonumber(redis.call('HGET', head, 'rev') or '')
if not gen or not rev then
  -- New, or its head holds something else: a new generation, read whole by every replica.
  gen = nextGen(P)
  rev = 0
  redis.call('HSET', head, 'gen', gen, 'rev', 0)
  redis.call('DEL', base .. ':log')
end

if gen == knownGen and rev == knownRev then
  return {'ok', gen, tostring(rev), 'same', {}, false, false, globalsRev, clock, scenario, expired}
end

if gen == knownGen and rev > knownRev then
  local entries = redis.call('LRANGE', base .. ':log', 0, rev - knownRev - 1)
  local complete = #entries == rev - knownRev
  local ids, seen, wantMisc, wantFaults = {}, {}, false, false
  -- Oldest first, so a replica adds new appointments in the order they were made.
  for i = #entries, 1, -1 do
    local entry = entries[i]
    local erev, flags, list = string.match(entry, '^(%d+)|([^|]*)|(.*)$')
    if not erev or string.find(flags, '*', 1, true) then complete = false break end
    if string.find(flags, 'm', 1, true) then wantMisc = true end
    if string.find(flags, 'f', 1, true) then wantFaults = true end
    for id in string.gmatch(list, '[^,]+') do
      if not seen[id] then seen[id] = true table.insert(ids, id) end
    end
  end
  if complete then
    local appts = {}
    if #ids > 0 then
      local values = redis.call('HMGET', base .. ':appts', unpack(ids))
      for i, id in ipairs(ids) do
        table.insert(appts, id)
        table.insert(appts, values[i] or '')
      end
    end
    local misc = wantMisc and (redis.call('GET', base .. ':misc') or false) or false
    local faults = wantFaults and (redis.call('GET', base .. ':faults') or false) or false
    return {'ok', gen, tostring(rev), 'delta', appts, misc, faults, globalsRev, clock, scenario, expired}
  end
end

local appts = redis.call('HGETALL', base .. ':appts')
local misc = redis.call('GET', base .. ':misc') or false
local faults = redis.call('GET', base .. ':faults') or false
return {'ok', gen, tostring(rev), 'full', appts, misc, faults, globalsRev, clock, scenario, expired}
`;

/**
 * commit(P, W, expectedGen, expectedRev, newGen, full, misc, faults, id1, json1, ...)
 * → {'ok', gen, rev} | {'conflict', gen, rev}
 *
 * Applies a replica's change to world W only if W is still at the generation and revision the
 * replica read (optimistic concurrency: a conflict makes the replica re-read and run the command
 * again). full '1' replaces every appointment; newGen '1' starts a new generation (reset,
 * snapshot import); misc/faults '' leave those as they are.
 */
export const COMMIT_SCRIPT = `${NEXT_GEN_LUA}
local P, W = ARGV[1], ARGV[2]
if redis.call('EXISTS', P .. ':meta') == 0 then return {'conflict', '0', '-1'} end
local base = P .. ':w:' .. W
local head = base .. ':head'
local gen = redis.call('HGET', head, 'gen')
local rev = tonumber(redis.call('HGET', head, 'rev') or '-1')
if gen ~= ARGV[3] or rev ~= tonumber(ARGV[4]) then
  return {'conflict', gen or '0', tostring(rev)}
end
local flags, ids = '', {}
if ARGV[6] == '1' then
  redis.call('DEL', base .. ':appts')
  flags = '*'
end
for i = 9, #ARGV, 2 do
  redis.call('HSET', base .. ':appts', ARGV[i], ARGV[i + 1])
  table.insert(ids, ARGV[i])
end
if #ids > 0 then flags = flags .. 'a' end
if ARGV[7] ~= '' then redis.call('SET', base .. ':misc', ARGV[7]) flags = flags .. 'm' end
if ARGV[8] ~= '' then redis.call('SET', base .. ':faults', ARGV[8]) flags = flags .. 'f' end
rev = rev + 1
if ARGV[5] == '1' then
  gen = nextGen(P)
  redis.call('DEL', base .. ':log')
  flags = '*'
end
redis.call('HSET', head, 'gen', gen, 'rev', rev)
redis.call('LPUSH', base .. ':log', rev .. '|' .. flags .. '|' .. table.concat(ids, ','))
redis.call('LTRIM', base .. ':log', 0, ${CHANGE_LOG_LENGTH - 1})
return {'ok', gen, tostring(rev)}
`;

/**
 * casGlobal(P, field, expected, value) → the new globals rev, or false when the field no longer
 * holds `expected` (another replica changed it first: read it again and retry).
 */
export const CAS_GLOBAL_SCRIPT = `
local key = ARGV[1] .. ':globals'
if (redis.call('HGET', key, ARGV[2]) or '') ~= ARGV[3] then return false end
redis.call('HSET', key, ARGV[2], ARGV[4])
return redis.call('HINCRBY', key, 'rev', 1)
`;

/** globals(P, field, value) → new globals rev: set the shared clock or scenario. */
export const GLOBALS_SCRIPT = `
redis.call('HSET', ARGV[1] .. ':globals', ARGV[2], ARGV[3])
return redis.call('HINCRBY', ARGV[1] .. ':globals', 'rev', 1)
`;
