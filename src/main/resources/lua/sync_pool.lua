-- sync_pool: writes the pipeline file's key pools and semaphores into Redis at start-up, without touching live
-- leases or in-use counts. Keys from the file are marked 'config'; a 'config' key no longer in the file is
-- dropped from the pool (its running leases end normally); keys added at runtime ('runtime') are kept.
--
-- KEYS[1]  hs:{P}:fence   (names the slot; all keys share the pipeline's hash tag, see acquire.lua)
-- ARGV     nPools; per pool: name, cap, cooldownMs, nKeys, keyId...; then nSems; per semaphore: name, total
-- Reply    {poolsSynced, semaphoresSynced}
local prefix = string.sub(KEYS[1], 1, -6)
local a = 1
local nPools = tonumber(ARGV[a]); a = a + 1
for _ = 1, nPools do
  local name, cap, cooldown, nKeys = ARGV[a], ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3])
  a = a + 4
  local base = prefix .. 'pool:' .. name
  redis.call('SADD', prefix .. 'pools', name)
  redis.call('HSET', base .. ':meta', 'cap', cap, 'cooldownMs', cooldown)
  local wanted = {}
  for i = 0, nKeys - 1 do wanted[ARGV[a + i]] = true end
  local current = redis.call('HGETALL', base .. ':keys')
  for i = 1, #current, 2 do
    if current[i + 1] == 'config' and not wanted[current[i]] then redis.call('HDEL', base .. ':keys', current[i]) end
  end
  for i = 0, nKeys - 1 do redis.call('HSET', base .. ':keys', ARGV[a + i], 'config') end
  a = a + nKeys
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
