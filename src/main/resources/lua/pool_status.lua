-- pool_status: what harvest keys list shows, read in one consistent step. Never returns secrets.
--
-- KEYS[1]  hs:{P}:fence   (names the slot; all keys share the pipeline's hash tag, see acquire.lua)
-- ARGV[1]  pool
-- Reply    {cap (-1 unknown pool), n, then per key (sorted by id): keyId, inUse, cooldownRemainingMs, claims, 429s,
--          requests left in the rate window (-1 no limit), budget left in its window (millionths; -1 no budget),
--          total charged (millionths)}. Read only: windows are counted, not trimmed (see lib/windows.lua).
local base = string.sub(KEYS[1], 1, -6) .. 'pool:' .. ARGV[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local meta = redis.call('HMGET', base .. ':meta', 'cap', 'limits')
local cap = meta[1]
if not cap then return { -1, 0 } end
-- @include windows

local function left(id)
  local lim = parseLimits(redis.call('HGET', base .. ':limits', id) or meta[2])
  if not lim then return -1, -1 end
  local requests, budget = -1, -1
  if lim.rn > 0 then
    requests = math.max(0, lim.rn - redis.call('ZCOUNT', base .. ':rate:' .. id, '(' .. (now - lim.rw), '+inf'))
  end
  if lim.bu > 0 then
    local spent = 0
    for _, m in ipairs(redis.call('ZRANGEBYSCORE', base .. ':spend:' .. id, '(' .. (now - lim.bw), '+inf')) do
      spent = spent + chargeOf(m)
    end
    budget = math.max(0, lim.bu - spent)
  end
  return requests, budget
end
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
  local requests, budget = left(id)
  out[#out + 1] = requests
  out[#out + 1] = budget
  out[#out + 1] = tonumber(redis.call('HGET', base .. ':charged', id)) or 0
end
return out
