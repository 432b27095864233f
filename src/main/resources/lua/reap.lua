-- reap: reclaims expired leases (of holders that crashed or stalled) and forgets ended cooldowns. Acquire also
-- reclaims a few expired leases on every call; this runs from a singleton housekeeping job so that capacity
-- comes back even when nobody is acquiring.
--
-- KEYS[1]  hs:{P}:fence   (names the slot; all keys share the pipeline's hash tag, see acquire.lua)
-- ARGV[1]  at most this many leases per call
-- ARGV[2]  job name and ARGV[3] its leader token: nothing is touched unless hs:{P}:leader:<job> still holds
--          that token (fencing: a leader that lost its lease while paused cannot act on stale leadership)
-- Reply    {leasesReclaimed, cooldownsCleared}; {-1, 0} when the token is no longer the leader's
local prefix = string.sub(KEYS[1], 1, -6)
local holder = redis.call('GET', prefix .. 'leader:' .. ARGV[2])
if not holder or string.match(holder, '|(%d+)$') ~= ARGV[3] then
  return { -1, 0 }
end
local leases = prefix .. 'leases'
local details = prefix .. 'lease'
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

local reclaimed = 0
for _, id in ipairs(redis.call('ZRANGEBYSCORE', leases, '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))) do
  reclaimed = reclaimed + free(id)
end
local cleared = 0
for _, name in ipairs(redis.call('SMEMBERS', prefix .. 'pools')) do
  local cool = prefix .. 'pool:' .. name .. ':cool'
  local entries = redis.call('HGETALL', cool)
  for i = 1, #entries, 2 do
    if tonumber(entries[i + 1]) <= now then
      redis.call('HDEL', cool, entries[i])
      cleared = cleared + 1
    end
  end
end
return { reclaimed, cleared }
