-- Records one revocation and tells every node, atomically and in one round trip: each node keeps
-- the whole (small) revocation hash in memory and reads it again on the message.
--
-- KEYS[1]  the revocation hash (one key, one hash tag: one cluster slot)
-- ARGV[1]  the field: what is revoked
-- ARGV[2]  the value: 'revokedAt|expiresAt', epoch milliseconds by the guard's clock
-- ARGV[3]  now, epoch milliseconds by the guard's clock: lapsed fields are dropped
-- ARGV[4]  the hash's time to live in milliseconds (the retention)
-- ARGV[5]  the most entries in force the hash may hold
-- ARGV[6]  the channel to publish to
-- Returns 1 when recorded, 0 when the hash is full (nothing recorded).
local now = tonumber(ARGV[3])
local all = redis.call('HGETALL', KEYS[1])
local live = 0
for i = 1, #all, 2 do
  local expires = tonumber(string.match(all[i + 1], '|(%-?%d+)$'))
  if expires == nil or expires <= now then
    redis.call('HDEL', KEYS[1], all[i])
  elseif all[i] ~= ARGV[1] then
    live = live + 1
  end
end
if live >= tonumber(ARGV[5]) then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local ttl = tonumber(ARGV[4])
if redis.call('PTTL', KEYS[1]) < ttl then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
redis.call('PUBLISH', ARGV[6], 'revoked')
return 1
