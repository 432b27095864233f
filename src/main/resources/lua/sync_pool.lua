-- sync_pool: writes the pipeline file's key pools and semaphores into Redis at start-up, without touching live
-- leases or in-use counts. Keys from the file are marked 'config'; a 'config' key no longer in the file is
-- dropped from the pool (its running leases end normally); keys added at runtime ('runtime') are kept.
--
-- KEYS[1]  hs:{P}:fence   (names the slot; all keys share the pipeline's hash tag, see acquire.lua)
-- ARGV     nPools; per pool: name, cap, cooldownMs, limits, nKeys, then per key: keyId, limits; then nSems; per
--          semaphore: name, total. limits: 'requests|perMs|budgetMicros|perMs' (0: none), see lib/windows.lua; the
--          pool's apply to keys added at runtime. Changed limits apply to the windows as they are.
-- Reply    {poolsSynced, semaphoresSynced}
local prefix = string.sub(KEYS[1], 1, -6)
local a = 1
local nPools = tonumber(ARGV[a]); a = a + 1
for _ = 1, nPools do
  local name, cap, cooldown, limits, nKeys = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], tonumber(ARGV[a + 4])
  a = a + 5
  local base = prefix .. 'pool:' .. name
  redis.call('SADD', prefix .. 'pools', name)
  redis.call('HSET', base .. ':meta', 'cap', cap, 'cooldownMs', cooldown, 'limits', limits)
  local wanted = {}
  for i = 0, nKeys - 1 do wanted[ARGV[a + i * 2]] = true end
  local current = redis.call('HGETALL', base .. ':keys')
  for i = 1, #current, 2 do
    if current[i + 1] == 'config' and not wanted[current[i]] then
      redis.call('HDEL', base .. ':keys', current[i])
      redis.call('HDEL', base .. ':limits', current[i])
    end
  end
  for i = 0, nKeys - 1 do
    redis.call('HSET', base .. ':keys', ARGV[a + i * 2], 'config')
    redis.call('HSET', base .. ':limits', ARGV[a + i * 2], ARGV[a + i * 2 + 1])
  end
  a = a + nKeys * 2
end
local nSems = tonumber(ARGV[a]); a = a + 1
for _ = 1, nSems do
  local key = prefix .. 'sem:' .. ARGV[a]
  redis.call('SADD', prefix .. 'sems', ARGV[a])
  redis.call('HSET', key, 'total', ARGV[a + 1])
  redis.call('HSETNX', key, 'used', 0)
  a = a + 2
end
return { nPools, nSems }
