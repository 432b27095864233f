-- windows: the rate and budget windows of pool keys (included by acquire, release and pool_status).
--
-- Sliding windows in server time: a key with `rate: {requests: N, per: W}` is granted at most N leases in any
-- W; a key with `budget: {units: U, per: W}` at most U of cost. Sliding windows (a log of grants) rather than
-- GCRA: GCRA with a burst of N lets up to 2N-1 requests into one window (a full burst, then the steady rate),
-- which a provider counting per minute answers with 429s; the log keeps every window at N exactly, and a
-- settled cost is changed in place, so a refund or an extra charge counts in the window the task was admitted in.
--
--   <base>:limits          HASH keyId -> 'requests|perMs|budgetMicros|perMs' (0: none); <base>:meta limits is the
--                          pool's, for keys added at runtime
--   <base>:rate:<keyId>    ZSET leaseId -> granted at (ms)
--   <base>:spend:<keyId>   ZSET 'leaseId|micros' -> granted at (ms); costs in millionths of a unit
--   <base>:spent           HASH keyId -> sum of the charges in the budget window
--   <base>:charged         HASH keyId -> every charge so far, settled (what the key cost in total)

local function parseLimits(s)
  local rn, rw, bu, bw = string.match(s or '', '^(%d+)|(%d+)|(%d+)|(%d+)$')
  if not rn or (rn == '0' and bu == '0') then return nil end
  return { rn = tonumber(rn), rw = tonumber(rw), bu = tonumber(bu), bw = tonumber(bw) }
end

local function chargeOf(member)
  return tonumber(string.match(member, '|(%d+)$')) or 0
end

-- The windows of key `id` at `now`: grants and charges that left them are dropped first.
local function windowOf(base, id, lim, now)
  local w = { count = 0, spent = 0 }
  if lim.rn > 0 then
    local rk = base .. ':rate:' .. id
    redis.call('ZREMRANGEBYSCORE', rk, '-inf', now - lim.rw)
    w.count = redis.call('ZCARD', rk)
  end
  if lim.bu > 0 then
    local sk = base .. ':spend:' .. id
    local freed = 0
    for _, m in ipairs(redis.call('ZRANGEBYSCORE', sk, '-inf', now - lim.bw)) do freed = freed + chargeOf(m) end
    w.spent = tonumber(redis.call('HGET', base .. ':spent', id)) or 0
    if freed > 0 then
      redis.call('ZREMRANGEBYSCORE', sk, '-inf', now - lim.bw)
      w.spent = math.max(0, w.spent - freed)
      redis.call('HSET', base .. ':spent', id, string.format('%d', w.spent))
    end
  end
  return w
end

local function fits(lim, w, cost)
  return (lim.rn == 0 or w.count < lim.rn) and (lim.bu == 0 or w.spent + cost <= lim.bu)
end

-- Records a grant of `cost`; returns the charge to keep in the lease ('' when the key has no budget).
local function charge(base, id, lim, w, leaseId, cost, now)
  if lim.rn > 0 then
    redis.call('ZADD', base .. ':rate:' .. id, now, leaseId)
    w.count = w.count + 1
  end
  if lim.bu == 0 then return '' end
  local c = string.format('%d', cost)
  redis.call('ZADD', base .. ':spend:' .. id, now, leaseId .. '|' .. c)
  redis.call('HINCRBY', base .. ':spent', id, c)
  redis.call('HINCRBY', base .. ':charged', id, c)
  w.spent = w.spent + cost
  return c
end

-- The earliest time the windows take a grant of `cost` (at least now); nil when the cost is above the budget.
local function freeAt(base, id, lim, w, cost, now)
  local at = now
  if lim.rn > 0 and w.count >= lim.rn then
    local e = redis.call('ZRANGE', base .. ':rate:' .. id, w.count - lim.rn, w.count - lim.rn, 'WITHSCORES')
    if e[2] then at = math.max(at, tonumber(e[2]) + lim.rw) end
  end
  if lim.bu > 0 and w.spent + cost > lim.bu then
    local need = w.spent + cost - lim.bu
    local entries = redis.call('ZRANGE', base .. ':spend:' .. id, 0, -1, 'WITHSCORES')
    for j = 1, #entries, 2 do
      need = need - chargeOf(entries[j])
      if need <= 0 then return math.max(at, tonumber(entries[j + 1]) + lim.bw) end
    end
    return nil
  end
  return at
end

-- Settles the charge `reserved` of lease `leaseId` to `actual`: in place while the grant is in the budget window
-- (a refund frees budget at once), else an extra charge is added now and a refund is moot (it already left).
-- Returns true when budget came free.
local function settle(base, id, leaseId, reserved, actual, now)
  local sk = base .. ':spend:' .. id
  local delta = actual - reserved
  if delta == 0 then return false end
  local member = leaseId .. '|' .. string.format('%d', reserved)
  local at = redis.call('ZSCORE', sk, member)
  redis.call('HINCRBY', base .. ':charged', id, string.format('%d', delta))
  if at then
    redis.call('ZREM', sk, member)
    redis.call('ZADD', sk, at, leaseId .. '|' .. string.format('%d', actual))
  elseif delta > 0 then
    redis.call('ZADD', sk, now, leaseId .. '+|' .. string.format('%d', delta))
  else
    return false
  end
  local spent = (tonumber(redis.call('HGET', base .. ':spent', id)) or 0) + delta
  redis.call('HSET', base .. ':spent', id, string.format('%d', math.max(0, spent)))
  return delta < 0
end
