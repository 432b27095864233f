-- leader_claim: take or keep the leadership of one job. The value is holderId|token; the token comes from
-- INCR on the job's fence, so a new leader always has a larger token than every earlier one. Expiry is set
-- with PX, so it is measured by the Redis server's clock, never a client's.
--
-- KEYS[1]  hs:{P}:leader:JOB          (value: holderId|token)
-- KEYS[2]  hs:{P}:leader:JOB:fence    (fencing counter)
-- ARGV[1]  holderId   ARGV[2]  ttl ms
-- Reply    {1, token} leader now (new or renewed); {0, token of the current holder}
local current = redis.call('GET', KEYS[1])
if current then
  local holder, token = string.match(current, '^(.*)|(%d+)$')
  if holder == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return { 1, tonumber(token) }
  end
  return { 0, tonumber(token) or 0 }
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[2])
return { 1, token }
