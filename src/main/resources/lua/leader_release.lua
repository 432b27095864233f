-- leader_release: give up leadership so a successor takes over at once. Only the holder with this token can.
--
-- KEYS[1]  hs:{P}:leader:JOB    ARGV[1]  holderId|token
-- Reply    1 released, 0 not the holder (nothing changed)
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
