-- acquire: grants leases, each all-or-nothing: a key of a pool (least loaded, spare per-key cap, not cooling,
-- room in its rate and budget windows for the request's cost, see lib/windows.lua) and a permit of a semaphore (respecting permits reserved for higher lanes). Many requests in one call, in the
-- order given (the client sorts them by lane priority, then FIFO).
--
-- Key layout. Every key of a pipeline shares the hash tag {P} (the pipeline name): hs:{P}:fence, hs:{P}:leases,
-- hs:{P}:pool:<pool>:*, hs:{P}:sem:<sem>. A lease takes a key of a pool AND a permit of a semaphore atomically,
-- and any pool may be paired with any semaphore, so a tag per pool or per semaphore could put the two on
-- different Redis Cluster slots, where no script can touch both. One tag per pipeline puts all of a pipeline's
-- admission state on one slot: the script runs unchanged on a cluster (it only touches keys of the slot of
-- KEYS[1]); the price is that one pipeline's admission is served by one shard, which is far above what
-- rate-limited providers allow.
--
-- Fairness between instances. Without it, the instance that releases always wins the freed capacity (its own
-- next acquire reaches Redis before anyone else hears of the release) and other instances starve. So instances
-- that wait queue per wait class (lane priority, pool, semaphore) in hs:{P}:wait:<class> (ZSET instance ->
-- position); a request that finds capacity yields (status -4) to a live instance queued ahead of it, and an
-- instance that was granted something while still waiting moves to the back: round robin between instances.
-- Yielding lasts at most graceMs per wait class (hs:{P}:yielding): a head that does not come for the capacity
-- (it polls, or it is busy) cannot keep it idle; after the grace anyone may take it.
-- hs:{P}:wait:<class>:seen (HASH instance -> last call that still waited in the class) lets an instance that
-- crashed or stopped asking drop out of the queue after staleMs; hs:{P}:waitclasses (SET) lists the queues, so
-- that a release can wake their heads (see release.lua).
--
-- KEYS[1]  hs:{P}:fence   the fencing counter; every other key is derived from its prefix (same hash tag)
-- ARGV[1]  how many expired leases to reclaim first
-- ARGV[2]  this instance's id
-- ARGV[3]  graceMs: how long capacity is held back for the head of a queue
-- ARGV[4]  staleMs: a waiting instance not seen for this long loses its place
-- ARGV[5]  nClasses; then pairs: classKey, how many requests of the class this instance has waiting (0: leave)
-- then     n; then n groups of 7: leaseId, pool ('' none), semaphore ('' none), reservedAbove, ttlMs,
--          class index (1-based; negative for a try that does not wait), cost (millionths of a unit)
-- Reply    {nowMs, wakeInMs, timeOnly, then per request: status, token, keyId}
--          status 1 granted, 0 no key free, -1 no permit free, -2 unknown pool, -3 unknown semaphore,
--          -4 free but yielded to an instance waiting longer
--          wakeInMs: when a failed request might succeed at the latest through an expiry, a cooldown end or room
--          in a rate or budget window; -1 none. timeOnly 1: every failed request waits for time alone (its pool
--          has keys free of leases that only rate, budget or cooldown hold back), so no release can help earlier.
--
-- A replayed call (same leaseId, e.g. a command resent after a reconnect) returns the existing grant.
-- Expiry comes from the server's TIME; tokens from INCR on a counter seeded with the server time in
-- microseconds, so they keep increasing even if Redis lost its data in a restart.
local fence = KEYS[1]
local prefix = string.sub(fence, 1, -6)
local leases = prefix .. 'leases'
local details = prefix .. 'lease'
-- @include windows
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local function free(id)
  local d = redis.call('HGET', details, id)
  redis.call('ZREM', leases, id)
  if not d then return 0 end
  redis.call('HDEL', details, id)
  local _, pool, key, sem = string.match(d, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|')
  if pool ~= '' then
    local inuse = prefix .. 'pool:' .. pool .. ':inuse'
    if redis.call('HINCRBY', inuse, key, -1) <= 0 then redis.call('HDEL', inuse, key) end
  end
  if sem ~= '' then
    local s = prefix .. 'sem:' .. sem
    if redis.call('HINCRBY', s, 'used', -1) < 0 then redis.call('HSET', s, 'used', 0) end
  end
  return 1
end

for _, id in ipairs(redis.call('ZRANGEBYSCORE', leases, '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))) do
  free(id)
end
if redis.call('EXISTS', fence) == 0 then
  local seed = t[1] .. string.format('%06d', tonumber(t[2]))
  redis.call('SET', fence, seed)
  -- Tokens below the seed were issued before Redis lost its data: renew.lua rebuilds such leases.
  redis.call('SET', prefix .. 'seed', seed)
end
local rotation = tonumber(redis.call('GET', fence))

local pools = {}
local function pool(name)
  if pools[name] ~= nil then return pools[name] end
  local base = prefix .. 'pool:' .. name
  local meta = redis.call('HMGET', base .. ':meta', 'cap', 'limits')
  if not meta[1] then pools[name] = false; return false end
  local p = { base = base, cap = tonumber(meta[1]), ids = redis.call('HKEYS', base .. ':keys'), load = {}, cool = {},
    lim = {}, win = {} }
  if #p.ids > 0 then
    local loads = redis.call('HMGET', base .. ':inuse', unpack(p.ids))
    local cools = redis.call('HMGET', base .. ':cool', unpack(p.ids))
    local limits = redis.call('HMGET', base .. ':limits', unpack(p.ids))
    for i = 1, #p.ids do
      p.load[i] = tonumber(loads[i]) or 0
      p.cool[i] = tonumber(cools[i]) or 0
      p.lim[i] = parseLimits(limits[i] or meta[2])
    end
  end
  pools[name] = p
  return p
end

local sems = {}
local function sem(name)
  if sems[name] ~= nil then return sems[name] end
  local key = prefix .. 'sem:' .. name
  local v = redis.call('HMGET', key, 'total', 'used')
  if not v[1] then sems[name] = false; return false end
  sems[name] = { key = key, total = tonumber(v[1]), used = tonumber(v[2]) or 0 }
  return sems[name]
end

local function window(p, i)
  if not p.win[i] then p.win[i] = windowOf(p.base, p.ids[i], p.lim[i], now) end
  return p.win[i]
end

-- Least loaded key with spare capacity, no cooldown and room for `cost` in its windows; the scan starts at a
-- rotating offset so that equally loaded keys take turns.
local function pick(p, offset, cost)
  local best, bestLoad = nil, nil
  local n = #p.ids
  for j = 0, n - 1 do
    local i = (offset + j) % n + 1
    local load = p.load[i]
    if load < p.cap and p.cool[i] <= now and (bestLoad == nil or load < bestLoad)
        and (not p.lim[i] or fits(p.lim[i], window(p, i), cost)) then
      best, bestLoad = i, load
    end
  end
  return best
end

local wake = -1
local function hint(at)
  if at > now and (wake < 0 or at - now < wake) then wake = at - now end
end
-- When a pool turned a request away, the earliest time one of its keys that no lease holds back has room again
-- (cooldown end, rate or budget window) is a wake-up hint; a pool whose keys are all at their cap waits for a
-- release instead, so its failures are not time-only.
local timeOnly = true
local function hintPool(p, cost)
  for i = 1, #p.ids do
    if p.load[i] < p.cap then
      local at = p.cool[i]
      if p.lim[i] then
        local free = freeAt(p.base, p.ids[i], p.lim[i], window(p, i), cost, now)
        at = free and math.max(at, free) or -1
      end
      hint(at)
    else
      timeOnly = false
    end
  end
end

local function grant(id, pname, p, ki, sname, s, ttl, cost)
  local token = redis.call('INCR', fence)
  local keyId, charged = '', ''
  if p then
    keyId = p.ids[ki]
    p.load[ki] = p.load[ki] + 1
    redis.call('HINCRBY', p.base .. ':inuse', keyId, 1)
    redis.call('HINCRBY', p.base .. ':claims', keyId, 1)
    if p.lim[ki] then charged = charge(p.base, keyId, p.lim[ki], window(p, ki), id, cost, now) end
  end
  if s then
    s.used = s.used + 1
    redis.call('HINCRBY', s.key, 'used', 1)
  end
  redis.call('HSET', details, id, string.format('%d', token) .. '|' .. pname .. '|' .. keyId .. '|' .. sname .. '|' .. ttl
    .. '|' .. charged)
  redis.call('ZADD', leases, now + tonumber(ttl), id)
  return token, keyId
end

local me = ARGV[2]
local grace = tonumber(ARGV[3])
local yielding = prefix .. 'yielding'
local staleBefore = now - tonumber(ARGV[4])
local classes = {}
local a = 6
for i = 1, tonumber(ARGV[5]) do
  local key = prefix .. 'wait:' .. ARGV[a]
  classes[i] = { name = ARGV[a], key = key, seen = key .. ':seen', waiting = tonumber(ARGV[a + 1]), granted = 0 }
  a = a + 2
end

-- Is a live instance other than this one queued ahead of it for class c? (Prunes dead ones on the way.)
local function ahead(c)
  if c.ahead ~= nil then return c.ahead end
  c.ahead = false
  local mine = tonumber(redis.call('ZSCORE', c.key, me))
  local entries = redis.call('ZRANGE', c.key, 0, 4, 'WITHSCORES')
  for i = 1, #entries, 2 do
    local who = entries[i]
    if who == me then break end
    local seen = tonumber(redis.call('HGET', c.seen, who))
    if not seen or seen < staleBefore then
      redis.call('ZREM', c.key, who)
      redis.call('HDEL', c.seen, who)
    elseif mine == nil or tonumber(entries[i + 1]) < mine then
      c.ahead = true
      break
    end
  end
  return c.ahead
end

-- Yield to the head of the queue, but only within the grace that started with the first yield (a long-past
-- start, from capacity that nobody was granted, starts a new grace).
local function yieldsTo(c)
  if not ahead(c) then return false end
  local since = tonumber(redis.call('HGET', yielding, c.name))
  if not since or now - since > 10 * grace then
    since = now
    redis.call('HSET', yielding, c.name, now)
  end
  if now - since >= grace then return false end
  hint(since + grace)
  return true
end

local failedPools = {}
local function acquireOne(r, id, pname, sname, above, ttl, ci, cost)
  local c = classes[math.abs(ci)]
  local existing = redis.call('HGET', details, id)
  if existing then
    if (tonumber(redis.call('ZSCORE', leases, id)) or 0) > now then
      local token, _, keyId = string.match(existing, '^([^|]*)|([^|]*)|([^|]*)|')
      if c and ci > 0 then c.granted = c.granted + 1 end
      return 1, tonumber(token), keyId
    end
    free(id)
  end
  local p, s = nil, nil
  if pname ~= '' then
    p = pool(pname)
    if not p then timeOnly = false; return -2, 0, '' end
  end
  if sname ~= '' then
    s = sem(sname)
    if not s then timeOnly = false; return -3, 0, '' end
    if s.total - s.used <= above then timeOnly = false; return -1, 0, '' end
  end
  local ki = nil
  if p then
    ki = pick(p, rotation + r, cost)
    if not ki then
      failedPools[p] = math.min(failedPools[p] or cost, cost)
      return 0, 0, ''
    end
  end
  if c and yieldsTo(c) then timeOnly = false; return -4, 0, '' end
  if c then
    if ci > 0 then c.granted = c.granted + 1 end
    if not c.cleared then
      c.cleared = true
      redis.call('HDEL', yielding, c.name)
    end
  end
  local token, keyId = grant(id, pname, p, ki, sname, s, ttl, cost)
  return 1, token, keyId
end

local out = { now, -1, 0 }
local failed = false
local n = tonumber(ARGV[a])
for r = 0, n - 1 do
  local b = a + 1 + r * 7
  local status, token, keyId = acquireOne(r, ARGV[b], ARGV[b + 1], ARGV[b + 2], tonumber(ARGV[b + 3]), ARGV[b + 4],
    tonumber(ARGV[b + 5]), tonumber(ARGV[b + 6]))
  if status ~= 1 then failed = true end
  out[#out + 1] = status
  out[#out + 1] = token
  out[#out + 1] = keyId
end

-- Queue bookkeeping: leave when nothing of the class waits any more, go to the back after a grant, join at
-- the back after a failure. When this instance steps aside, the new head of the queue is told (PUBLISH); while it
-- waits, every holder hears which classes it waits for ('c <instance> <class>...').
local heads, contended = {}, {}
local function tellHead(c)
  local head = redis.call('ZRANGE', c.key, 0, 0)[1]
  if head and head ~= me then heads[#heads + 1] = head end
end
for _, c in ipairs(classes) do
  if c.granted >= c.waiting then
    redis.call('HDEL', c.seen, me)
    if redis.call('ZREM', c.key, me) == 1 then tellHead(c) end
  else
    redis.call('HSET', c.seen, me, now)
    if c.granted > 0 then
      redis.call('ZADD', c.key, now, me)
      tellHead(c)
    else
      redis.call('ZADD', c.key, 'NX', now, me)
    end
    redis.call('SADD', prefix .. 'waitclasses', c.name)
    contended[#contended + 1] = c.name
  end
end
if #heads > 0 then redis.call('PUBLISH', prefix .. 'freed', table.concat(heads, ' ')) end
-- Holders that hand leases on to their own next task (lease reuse) give them back to Redis instead while
-- another instance waits for the same pool or semaphore.
if #contended > 0 then
  redis.call('PUBLISH', prefix .. 'freed', 'c ' .. me .. ' ' .. table.concat(contended, ' '))
end

if failed then
  for p, cost in pairs(failedPools) do hintPool(p, cost) end
  if timeOnly and wake >= 0 then
    out[3] = 1
  else
    local first = redis.call('ZRANGE', leases, 0, 0, 'WITHSCORES')
    if first[2] then hint(tonumber(first[2])) end
  end
  out[2] = wake
end
return out
