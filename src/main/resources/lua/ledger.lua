-- ledger: the idempotency ledger, many entries per call. A completed task's result is kept for a while so that
-- a replay of the task (after a crash or a rebalance) publishes it instead of calling the provider again.
--
-- KEYS[1]  hs:{P}:fence   (names the slot; entries live at hs:{P}:done:<taskId>)
-- ARGV[1]  ttl ms   ARGV[2] g (gets)   ARGV[3] s (sets)   then g task ids, then s pairs taskId, resultJson
-- Reply    for each get: the result, or false
local prefix = string.sub(KEYS[1], 1, -6) .. 'done:'
local ttl, g, s = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local out = {}
for i = 1, g do
  out[i] = redis.call('GET', prefix .. ARGV[3 + i]) or false
end
for i = 0, s - 1 do
  local id, result = ARGV[4 + g + i * 2], ARGV[5 + g + i * 2]
  redis.call('SET', prefix .. id, result, 'PX', ttl)
end
return out
