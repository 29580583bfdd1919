-- Folds a batch of one caller's evidence from one node into the fleet's profile of the caller, the
-- way a node folds a request into its own profile (CallerProfile.record), and returns the profile.
-- Time is the app's (each evidence's 'at'), never Redis TIME: a simulated day runs in minutes, and
-- nodes whose clocks differ a little only add at the profile's latest time.
--
-- KEYS[1]  the profile (a hash)            KEYS[2], KEYS[3]  the two Bloom generations (bitmaps)
-- KEYS[4]  the routes seen (a set of at most ARGV[8] route hashes)
-- ARGV[1]  half-life in ms   ARGV[2] long half-life in ms   ARGV[3] warm-up requests
-- ARGV[4]  warm-up period in ms   ARGV[5] time to live of every key in ms
-- ARGV[6]  ids per Bloom generation   ARGV[7] (unused, the bits per generation: bit offsets come computed)
-- ARGV[8]  the most routes remembered
-- then 11 values per evidence: at (epoch ms), failure (0/1), route hash ('' when none), lookup (0/1),
-- miss (0/1), three Bloom bit offsets ('' when no lookup), the id's neighbourhood and suffix ('' when
-- no lookup; Evidence.neighbourhood, Evidence.suffix), page fraction
--
-- The profile's fields: f first seen, t last update, n requests, ns novel (short), sq sequential
-- steps, lk lookups, ms misses, fl failures, nr new routes, pg pages, nl novel (long), mi minute,
-- mc requests this minute, ew EWMA per minute, g the current Bloom generation (0: KEYS[2]),
-- bi ids in the current generation; ln, ls, ld the neighbourhood, suffix and walk direction of the
-- last id new to the fleet: a sequential walk is judged in the order the ids reach Redis, whatever
-- node each went through (a tag on one node, its successor guessed on the next, is a step).
--
-- Returns {f, t, n, ns, sq, lk, ms, fl, nr, pg, nl, mi, mc, ew} as strings.

local halfLife = tonumber(ARGV[1])
local longHalfLife = tonumber(ARGV[2])
local warmUpRequests = tonumber(ARGV[3])
local warmUpPeriod = tonumber(ARGV[4])
local ttl = ARGV[5]
local generationSize = tonumber(ARGV[6])
local maxRoutes = tonumber(ARGV[8])
local FIELDS = 8

local names = {'f', 't', 'n', 'ns', 'sq', 'lk', 'ms', 'fl', 'nr', 'pg', 'nl', 'mi', 'mc', 'ew', 'g', 'bi'}
local stored = redis.call('HMGET', KEYS[1], unpack(names))
local p = {}
for i, name in ipairs(names) do
  p[name] = tonumber(stored[i])
end
local first = tonumber(ARGV[FIELDS + 1])
if p.f == nil then
  p = {f = first, t = first, n = 0, ns = 0, sq = 0, lk = 0, ms = 0, fl = 0, nr = 0, pg = 0, nl = 0,
       mi = math.floor(first / 60000), mc = 0, ew = 0, g = 0, bi = 0}
end
local last = redis.call('HMGET', KEYS[1], 'ln', 'ls', 'ld')
local lastHood, lastSuffix, lastDirection = last[1], tonumber(last[2]), tonumber(last[3]) or 0
local alpha = 1 - 0.5 ^ (1 / 60)

local function bloomHas(key, b1, b2, b3)
  return redis.call('GETBIT', key, b1) == 1 and redis.call('GETBIT', key, b2) == 1
      and redis.call('GETBIT', key, b3) == 1
end

for e = FIELDS + 1, #ARGV, 11 do
  local now = tonumber(ARGV[e])
  -- decay to now (CallerProfile.decayTo); evidence older than the profile adds at its time
  local elapsed = now - p.t
  if elapsed > 0 then
    local f = 0.5 ^ (elapsed / halfLife)
    p.ns = p.ns * f; p.sq = p.sq * f; p.lk = p.lk * f; p.ms = p.ms * f
    p.fl = p.fl * f; p.nr = p.nr * f; p.pg = p.pg * f
    p.nl = p.nl * 0.5 ^ (elapsed / longHalfLife)
    p.t = now
  end
  local m = math.floor(now / 60000)
  if m > p.mi then
    p.ew = p.ew + alpha * (p.mc - p.ew)
    local idle = math.min(m - p.mi - 1, 100000)
    if idle > 0 then
      p.ew = p.ew * (1 - alpha) ^ idle
    end
    p.mi = m
    p.mc = 0
  end
  local warm = p.n >= warmUpRequests and now - p.f >= warmUpPeriod
  p.n = p.n + 1
  p.mc = p.mc + 1
  if ARGV[e + 1] == '1' then
    p.fl = p.fl + 1
  end
  if ARGV[e + 2] ~= '' then
    local route = ARGV[e + 2]
    if redis.call('SISMEMBER', KEYS[4], route) == 0 then
      if warm then
        p.nr = p.nr + 1
      end
      if redis.call('SCARD', KEYS[4]) < maxRoutes then
        redis.call('SADD', KEYS[4], route)
      end
    end
  end
  if ARGV[e + 3] == '1' then
    p.lk = p.lk + 1
    if ARGV[e + 4] == '1' then
      p.ms = p.ms + 1
    end
    local b1, b2, b3 = tonumber(ARGV[e + 5]), tonumber(ARGV[e + 6]), tonumber(ARGV[e + 7])
    local current = p.g == 0 and KEYS[2] or KEYS[3]
    local previous = p.g == 0 and KEYS[3] or KEYS[2]
    if not bloomHas(current, b1, b2, b3) and not bloomHas(previous, b1, b2, b3) then
      if p.bi >= generationSize then
        -- rotate: the previous generation is emptied and becomes the current one
        redis.call('DEL', previous)
        p.g = 1 - p.g
        p.bi = 0
        current = previous
      end
      redis.call('SETBIT', current, b1, 1)
      redis.call('SETBIT', current, b2, 1)
      redis.call('SETBIT', current, b3, 1)
      p.bi = p.bi + 1
      p.ns = p.ns + 1
      p.nl = p.nl + 1
      -- as CallerProfile.lookup: a new id next to the last new id, walked in one direction
      local hood, suffix = ARGV[e + 8], tonumber(ARGV[e + 9])
      if hood == lastHood and suffix ~= lastSuffix then
        local direction = suffix > lastSuffix and 1 or -1
        if lastDirection == 0 or direction == lastDirection then
          p.sq = p.sq + 1
        end
        lastDirection = direction
      end
      lastHood, lastSuffix = hood, suffix
    end
  end
  p.pg = p.pg + tonumber(ARGV[e + 10])
end

local out = {}
local args = {}
for _, name in ipairs(names) do
  local v = string.format('%.17g', p[name])
  args[#args + 1] = name
  args[#args + 1] = v
end
if lastHood then
  args[#args + 1] = 'ln'
  args[#args + 1] = lastHood
  args[#args + 1] = 'ls'
  args[#args + 1] = string.format('%.17g', lastSuffix)
  args[#args + 1] = 'ld'
  args[#args + 1] = tostring(lastDirection)
end
redis.call('HSET', KEYS[1], unpack(args))
for i = 1, 4 do
  redis.call('PEXPIRE', KEYS[i], ttl)
end
for i = 1, 14 do
  out[i] = string.format('%.17g', p[names[i]])
end
return out
