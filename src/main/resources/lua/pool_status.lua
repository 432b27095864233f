-- pool_status: what harvest keys list shows, read in one consistent step. Never returns secrets.
--
-- KEYS[1]  hs:{P}:fence   (names the slot; all keys share the pipeline's hash tag, see acquire.lua)
-- ARGV[1]  pool
-- Reply    {cap (-1 unknown pool), n, then per key (sorted by id): keyId, inUse, cooldownRemainingMs, claims, 429s}
local base = string.sub(KEYS[1], 1, -6) .. 'pool:' .. ARGV[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cap = redis.call('HGET', base .. ':meta', 'cap')
if not cap then return { -1, 0 } end
local ids = redis.call('HKEYS', base .. ':keys')
table.sort(ids)
local out = { tonumber(cap), #ids }
for _, id in ipairs(ids) do
  local cool = tonumber(redis.call('HGET', base .. ':cool', id)) or 0
  out[#out + 1] = id
  out[#out + 1] = tonumber(redis.call('HGET', base .. ':inuse', id)) or 0
  out[#out + 1] = math.max(0, cool - now)
  out[#out + 1] = tonumber(redis.call('HGET', base .. ':claims', id)) or 0
  out[#out + 1] = tonumber(redis.call('HGET', base .. ':r429', id)) or 0
end
return out
