-- renew: extends many leases in one call (an instance renews everything it holds every TTL/3). A lease is
-- renewed only if it is still the caller's (id and fencing token) and has not expired by the server's clock;
-- an expired one is reclaimed here and reported lost.
-- A lease Redis does not know but whose token predates the fencing counter's seed (or there is no counter yet)
-- was granted before Redis restarted without its data: its holder is still working under it, so it is written
-- back, key and permit included, and the pools count what is really running (even above their limits for a
-- while). A lease of this incarnation that is gone was expired or reclaimed: lost.
--
-- KEYS[1]  hs:{P}:fence   (names the slot; all keys share the pipeline's hash tag, see acquire.lua)
-- ARGV[1]  n; then n groups of 6: leaseId, token, ttlMs, pool, keyId, semaphore ('' for none)
-- Reply    {nowMs, then per lease: 1 renewed, 0 lost}
local prefix = string.sub(KEYS[1], 1, -6)
local leases = prefix .. 'leases'
local details = prefix .. 'lease'
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local function free(id, d)
  redis.call('ZREM', leases, id)
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
end

local function rebuild(id, token, ttl, pool, key, sem)
  -- Same shape as a grant (acquire.lua); no budget reservation: the budget windows went with the data.
  redis.call('HSET', details, id, token .. '|' .. pool .. '|' .. key .. '|' .. sem .. '|' .. ttl .. '|')
  redis.call('ZADD', leases, now + ttl, id)
  if pool ~= '' then redis.call('HINCRBY', prefix .. 'pool:' .. pool .. ':inuse', key, 1) end
  if sem ~= '' then redis.call('HINCRBY', prefix .. 'sem:' .. sem, 'used', 1) end
end

local seed = tonumber(redis.call('GET', prefix .. 'seed'))
local out = { now }
for r = 0, tonumber(ARGV[1]) - 1 do
  local a = 2 + r * 6
  local id, token, ttl = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2])
  local d = redis.call('HGET', details, id)
  local renewed = 0
  if not d and (seed == nil or tonumber(token) < seed) then
    rebuild(id, token, ttl, ARGV[a + 3], ARGV[a + 4], ARGV[a + 5])
    renewed = 1
  elseif d and string.match(d, '^([^|]*)|') == token then
    if (tonumber(redis.call('ZSCORE', leases, id)) or 0) > now then
      redis.call('ZADD', leases, now + ttl, id)
      renewed = 1
    else
      free(id, d)
    end
  end
  out[#out + 1] = renewed
end
return out
