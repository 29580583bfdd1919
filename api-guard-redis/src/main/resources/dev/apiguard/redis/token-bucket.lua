-- One try-consume (ARGV[1] = '1') or estimate ('0') on a token bucket of one or more limits with
-- greedy (continuous) refill, atomically and in one round trip. Time is the app's (ARGV[4]), never
-- Redis TIME: a guard whose clock a test drives runs a simulated day in minutes, and a bucket
-- never refills backwards when nodes' clocks differ (a time before the bucket's last take
-- refills nothing).
--
-- KEYS[1]  the bucket
-- ARGV[1]  'n' (n >= 1): take the tokens when every limit holds them, and up to n - 1 more times
--          as many for the app node to hand out itself (a lease: see LEASES below); '0': only look;
--          '-n' (n >= 1): n requests of one node's batch, each taking the tokens while every
--          limit still holds them, in order (exactly as n scripts run one after another at ARGV[4])
-- ARGV[2]  the tokens asked for
-- ARGV[3]  milliseconds the key outlives the moment its bucket would be full again
-- ARGV[4]  now, in microseconds since the epoch, by the app's clock
-- ARGV[4i+1 .. 4i+4], i = 1..n  limit i: capacity, initial tokens, refill tokens, refill period in ns
--
-- The value: 'v1 LAST T1 .. Tn', LAST the app time of the last take in microseconds, Ti the
-- tokens limit i held then (fractional: refill is continuous). Anything else reads as a new
-- bucket. A limit beyond those stored starts with its initial tokens; a stored one keeps its
-- tokens up to its (possibly new) capacity.
--
-- KEYS[2..4] (optional, a take only): a single-use identifier that must be new before any token is
--          taken, a DPoP proof's jti that the rate limiter joins to its bucket (one round trip for
--          both): the identifier, its owner's count in the current and in the previous quota slot,
--          exactly as replay-quota.lua takes them, with the last 3 ARGV: the identifier's time to
--          live in ms, the owner's quota over the two slots, the counters' time to live in ms.
--          The four keys carry the caller's hash tag: one Redis Cluster slot.
--
-- Returns {1 taken (or could be) | 0 not, tokens left (the smallest over the limits),
--          ns until the asked tokens are there (0 when taken, -1 never), ns until full,
--          how many times the asked tokens were taken (0 when not taken, up to n)}; for a batch
--          that was not taken whole, the ns are until the asked tokens are there once more
--          with an identifier: {-1, 1} when it is known (a replay), {-1, 2} when its owner is over
--          its quota, the bucket untouched; else the identifier is recorded (and counted) first.

local extra = 0
if #KEYS == 4 then
  -- as replay-quota.lua (a script cannot call another): a replay or an owner over quota takes nothing
  extra = 3
  if redis.call('EXISTS', KEYS[2]) == 1 then
    return {-1, 1}
  end
  local current = tonumber(redis.call('GET', KEYS[3]) or '0')
  local previous = tonumber(redis.call('GET', KEYS[4]) or '0')
  if current + previous >= tonumber(ARGV[#ARGV - 1]) then
    return {-1, 2}
  end
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[#ARGV - 2])
  redis.call('INCR', KEYS[3])
  redis.call('PEXPIRE', KEYS[3], ARGV[#ARGV])
end

local now = tonumber(ARGV[4])
local asked = tonumber(ARGV[2])
local times = tonumber(ARGV[1]) or 0
local batch = times < 0
if batch then
  times = -times
end
local take = times >= 1
local limits = (#ARGV - 4 - extra) / 4

local last = now
local held = {}
local value = redis.call('GET', KEYS[1])
if value then
  local fields = {}
  for f in string.gmatch(value, '%S+') do
    fields[#fields + 1] = f
  end
  if fields[1] == 'v1' and tonumber(fields[2]) then
    last = tonumber(fields[2])
    for i = 3, #fields do
      held[i - 2] = tonumber(fields[i])
    end
  end
end
if last > now then
  now = last -- a clock behind the last take (another node's, or one stepped back): refill nothing
end
local elapsed = (now - last) * 1000

-- refill in floating point may land a hair short of a whole token that Bucket4j's integer
-- arithmetic would have counted: a millionth of a token is not worth a refusal
local SLACK = 0.000001
local tokens, capacity, perNano = {}, {}, {}
local enough = true
for i = 1, limits do
  local a = 4 * i + 1
  capacity[i] = tonumber(ARGV[a])
  perNano[i] = tonumber(ARGV[a + 2]) / tonumber(ARGV[a + 3])
  local t = held[i]
  if t == nil then
    t = tonumber(ARGV[a + 1])
  else
    t = math.min(capacity[i], t + elapsed * perNano[i])
  end
  tokens[i] = t
  if t + SLACK < asked then
    enough = false
  end
end

-- LEASES: more than one take is granted only from the upper half of every limit, so that a node
-- holds tokens ahead of use only while the caller is far from refusal; near the limit every
-- request is counted here, one at a time, exactly. And never more than a sixteenth of a limit's
-- capacity: tokens a node holds and does not use are lost to the caller, so a node can cost it at
-- most that, and a limit of fewer than 32 requests is counted request by request
local LEASE_SHARE = 16 -- BucketLeases.LEASE_SHARE: a node tops its lease up to no more
local granted = 0
if enough and take then
  granted = 1
  if batch then
    -- each request of the batch in turn, while every limit holds its tokens
    granted = times
    for i = 1, limits do
      granted = math.min(granted, math.floor((tokens[i] + SLACK) / asked))
    end
  elseif times > 1 then
    granted = times
    for i = 1, limits do
      local spare = math.floor((tokens[i] + SLACK - capacity[i] / 2) / asked)
      local share = math.floor(capacity[i] / LEASE_SHARE / asked)
      granted = math.max(1, math.min(granted, spare, share))
    end
  end
  for i = 1, limits do
    tokens[i] = tokens[i] - asked * granted
  end
end

-- short: a request was refused (all of them, or the end of a batch); when the asked tokens are back
local short = not enough or (batch and granted < times)
local left, wait, full = math.huge, 0, 0
for i = 1, limits do
  left = math.min(left, tokens[i])
  full = math.max(full, (capacity[i] - tokens[i]) / perNano[i])
  if short and tokens[i] + SLACK < asked then
    if asked > capacity[i] then
      wait = -1
    elseif wait >= 0 then
      wait = math.max(wait, (asked - tokens[i]) / perNano[i])
    end
  end
end

if enough and take then
  local parts = {'v1', string.format('%.17g', now)}
  for i = 1, limits do
    parts[#parts + 1] = string.format('%.17g', tokens[i])
  end
  redis.call('SET', KEYS[1], table.concat(parts, ' '), 'PX', math.ceil(full / 1000000) + tonumber(ARGV[3]))
end

if wait > 0 then
  wait = math.ceil(wait)
end
return {enough and 1 or 0, math.floor(math.max(left, 0)), wait, math.ceil(full), granted}
