-- release: gives leases back, many in one call. Idempotent: a lease that is gone (released, expired and
-- reclaimed) or that someone else now holds changes nothing. A lease is freed only by its own id AND fencing
-- token, so a stale holder can never free a newer holder's grant.
--
-- Wake-ups are targeted: for every wait class that shares a pool or a semaphore with a freed lease, the
-- instance at the head of its fairness queue (see acquire.lua) is named in one PUBLISH on hs:{P}:freed; only
-- the named instances try again, instead of every waiting instance racing for the same permit.
--
-- Settlement: a lease of a key with a budget reserved the task's cost; the actual cost given here replaces it in
-- the budget window (lib/windows.lua). Only the release that frees the lease settles, so a replay charges nothing.
--
-- KEYS[1]  hs:{P}:fence   (names the slot; all keys share the pipeline's hash tag, see acquire.lua)
-- ARGV[1]  n; then n groups of 3: leaseId, token ('*' cancels by id alone: an acquire whose reply was lost),
--          actual cost in millionths of a unit ('' keeps the reservation)
-- Reply    {freedCount, then per lease: 1 freed, 0 nothing to free}
local prefix = string.sub(KEYS[1], 1, -6)
local leases = prefix .. 'leases'
local details = prefix .. 'lease'
-- @include windows
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local touchedPools, touchedSems = {}, {}

local function free(id, d, actual)
  redis.call('ZREM', leases, id)
  redis.call('HDEL', details, id)
  local _, pool, key, sem, _, reserved = string.match(d, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|?(%d*)$')
  touchedPools[pool] = true
  touchedSems[sem] = true
  if reserved and reserved ~= '' and actual ~= '' then
    settle(prefix .. 'pool:' .. pool, key, id, tonumber(reserved), tonumber(actual), now)
  end
  if pool ~= '' then
    local inuse = prefix .. 'pool:' .. pool .. ':inuse'
    if redis.call('HINCRBY', inuse, key, -1) <= 0 then redis.call('HDEL', inuse, key) end
  end
  if sem ~= '' then
    local s = prefix .. 'sem:' .. sem
    if redis.call('HINCRBY', s, 'used', -1) < 0 then redis.call('HSET', s, 'used', 0) end
  end
end

local out = { 0 }
local freed = 0
for r = 0, tonumber(ARGV[1]) - 1 do
  local id, token, actual = ARGV[2 + r * 3], ARGV[3 + r * 3], ARGV[4 + r * 3]
  local d = redis.call('HGET', details, id)
  local done = 0
  if d and (token == '*' or string.match(d, '^([^|]*)|') == token) then
    free(id, d, actual)
    done = 1
    freed = freed + 1
  end
  out[#out + 1] = done
end
out[1] = freed
if freed > 0 then
  local heads = {}
  local classes = prefix .. 'waitclasses'
  for _, class in ipairs(redis.call('SMEMBERS', classes)) do
    local _, pool, sem = string.match(class, '^([^:]*):([^:]*):(.*)$')
    if (pool ~= '' and touchedPools[pool]) or (sem ~= '' and touchedSems[sem]) then
      local head = redis.call('ZRANGE', prefix .. 'wait:' .. class, 0, 0)[1]
      if head then heads[#heads + 1] = head else redis.call('SREM', classes, class) end
    end
  end
  if #heads > 0 then redis.call('PUBLISH', prefix .. 'freed', table.concat(heads, ' ')) end
end
return out
