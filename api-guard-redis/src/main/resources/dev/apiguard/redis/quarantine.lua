-- Sets or lifts one caller's quarantine and tells every node, atomically and in one round trip:
-- each node keeps a copy of the quarantines it read (NearCache) and drops it on the message.
-- Beside it, when the last write was decided: a write a node makes again after it failed (Redis
-- was gone) yields to a later decision another node wrote meanwhile (a release on the admin page)
-- instead of overwriting it.
--
-- KEYS[1]  the caller's quarantine key
-- KEYS[2]  the caller's decision key: when the write in KEYS[1] was decided, epoch milliseconds
-- ARGV[1]  the end of the quarantine in epoch milliseconds, or '' to lift it
-- ARGV[2]  the key's time to live in milliseconds (the time left by the guard's clock)
-- ARGV[3]  the invalidation channel
-- ARGV[4]  the message: what the nodes' copies are keyed by
-- ARGV[5]  when this write was decided, epoch milliseconds by the deciding node's clock
-- ARGV[6]  how long the decision key is kept, milliseconds
-- ARGV[7]  '1' for a write made again: skipped (0) when a later decision is recorded
local decided = tonumber(ARGV[5])
local recorded = redis.call('GET', KEYS[2])
local known = recorded and tonumber(recorded) or nil
if ARGV[7] == '1' and known and known > decided then
  return 0
end
if ARGV[1] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
if not known or decided >= known then
  redis.call('SET', KEYS[2], ARGV[5], 'PX', ARGV[6])
end
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
