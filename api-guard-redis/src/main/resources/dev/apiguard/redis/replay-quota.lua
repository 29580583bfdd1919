-- Records a single-use identifier for an owner within the owner's quota, atomically (one round trip).
-- KEYS[1]  the identifier's key
-- KEYS[2]  the owner's count in the current quota slot
-- KEYS[3]  the owner's count in the slot before
-- ARGV[1]  the identifier's time to live, ms
-- ARGV[2]  the owner's quota over the two slots
-- ARGV[3]  the slot counters' time to live, ms (two slots: the current one must outlive the next)
-- Returns 0: recorded (first use); 1: known (a replay); 2: the owner is over its quota, nothing recorded.
-- The three keys carry the owner's hash tag, so on a Redis Cluster they share one slot. Time comes
-- from the app (the slot numbers are in the keys), never from Redis's clock.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 1
end
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
local previous = tonumber(redis.call('GET', KEYS[3]) or '0')
if current + previous >= tonumber(ARGV[2]) then
  return 2
end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 0
