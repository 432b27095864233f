-- key_remove: takes a key out of a pool at runtime (harvest keys remove). It is no longer handed out; leases
-- already held run to their end (the in-use count is kept apart from membership for that reason). Its secret
-- and cooldown go with it.
--
-- KEYS[1]  hs:{P}:fence   (names the slot; all keys share the pipeline's hash tag, see acquire.lua)
-- ARGV[1]  pool, ARGV[2] keyId
-- Reply    {status: 1 removed, 0 not in the pool, -2 unknown pool}
local base = string.sub(KEYS[1], 1, -6) .. 'pool:' .. ARGV[1]
if redis.call('EXISTS', base .. ':meta') == 0 then return { -2 } end
local removed = redis.call('HDEL', base .. ':keys', ARGV[2])
redis.call('HDEL', base .. ':secrets', ARGV[2])
redis.call('HDEL', base .. ':cool', ARGV[2])
return { removed }
