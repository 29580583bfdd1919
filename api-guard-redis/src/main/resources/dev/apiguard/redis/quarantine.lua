-- Sets or lifts one caller's quarantine and tells every node, atomically and in one round trip:
-- each node keeps a copy of the quarantines it read (NearCache) and drops it on the message.
--
-- KEYS[1]  the caller's quarantine key
-- ARGV[1]  the end of the quarantine in epoch milliseconds, or '' to lift it
-- ARGV[2]  the key's time to live in milliseconds (the time left by the guard's clock)
-- ARGV[3]  the invalidation channel
-- ARGV[4]  the message: what the nodes' copies are keyed by
if ARGV[1] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
