-- key_add: adds a key to a pool at runtime (harvest keys add); every instance can claim it at once. With a
-- secret (pools with secretsInRedis), stores or replaces the secret. A key already in the pool keeps its origin.
--
-- KEYS[1]  hs:{P}:fence   (names the slot; all keys share the pipeline's hash tag, see acquire.lua)
-- ARGV[1]  pool, ARGV[2] keyId, ARGV[3] '1' when ARGV[4] holds a secret
-- Reply    {status: 1 added, 0 already present (secret updated if given), -2 unknown pool}
local base = string.sub(KEYS[1], 1, -6) .. 'pool:' .. ARGV[1]
if redis.call('EXISTS', base .. ':meta') == 0 then return { -2 } end
local added = redis.call('HSETNX', base .. ':keys', ARGV[2], 'runtime')
if ARGV[3] == '1' then redis.call('HSET', base .. ':secrets', ARGV[2], ARGV[4]) end
return { added }
