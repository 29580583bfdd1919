-- Marks callers of the ledger as seen, in the fleet's index of callers by last seen, and keeps the
-- index bounded: the callers beyond the most recent ARGV[1] are dropped, and so are those not seen
-- for the time to live (their records expire by themselves). Time is the app's, never Redis TIME.
--
-- KEYS[1]  the index (a sorted set: caller hash tag -> last seen ms)
-- ARGV[1]  most callers   ARGV[2] time to live in ms   ARGV[3] now (the app's, ms)
-- then pairs (last seen ms, hash tag)
--
-- Returns the hash tags dropped for the bound (the caller deletes their records).

local most = tonumber(ARGV[1])
local args = {}
for i = 4, #ARGV, 2 do
  args[#args + 1] = ARGV[i]
  args[#args + 1] = ARGV[i + 1]
end
if #args > 0 then
  redis.call('ZADD', KEYS[1], 'GT', unpack(args))
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%.0f', tonumber(ARGV[3]) - tonumber(ARGV[2])))
local over = redis.call('ZCARD', KEYS[1]) - most
local dropped = {}
if over > 0 then
  dropped = redis.call('ZRANGE', KEYS[1], 0, over - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, over - 1)
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return dropped
