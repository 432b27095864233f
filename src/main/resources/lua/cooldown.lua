-- cooldown: puts a key of a pool into cooldown for the whole cluster. After a 429 the key rests for
-- max(retryAfter, the pool's cooldownOn429) and the key's 429 count goes up; a manual cooldown rests exactly as
-- long as asked. An existing longer cooldown is never shortened, so a replayed call changes nothing.
--
-- KEYS[1]  hs:{P}:fence   (names the slot; all keys share the pipeline's hash tag, see acquire.lua)
-- ARGV[1]  pool, ARGV[2] keyId, ARGV[3] durationMs, ARGV[4] '1' for a 429, '0' for a manual cooldown
-- Reply    {status (1 done, -2 unknown pool), remainingMs}
local prefix = string.sub(KEYS[1], 1, -6)
local base = prefix .. 'pool:' .. ARGV[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local meta = redis.call('HMGET', base .. ':meta', 'cap', 'cooldownMs')
if not meta[1] then return { -2, 0 } end
local duration = tonumber(ARGV[3])
if ARGV[4] == '1' then
  duration = math.max(duration, tonumber(meta[2]) or 0)
  redis.call('HINCRBY', base .. ':r429', ARGV[2], 1)
end
local untilMs = now + duration
local current = tonumber(redis.call('HGET', base .. ':cool', ARGV[2])) or 0
if current < untilMs then
  redis.call('HSET', base .. ':cool', ARGV[2], untilMs)
else
  untilMs = current
end
return { 1, untilMs - now }
