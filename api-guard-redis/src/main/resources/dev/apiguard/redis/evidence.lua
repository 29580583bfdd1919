-- Folds a batch of one caller's evidence from one node into the fleet's profile of the caller, the
-- way a node folds a request into its own profile (CallerProfile.record), and returns the profile.
-- Time is the app's (each evidence's 'at'), never Redis TIME: a simulated day runs in minutes, and
-- nodes whose clocks differ a little only add at the profile's latest time.
--
-- The profile and the batch are packed binary (Redis's struct library), not a hash of decimal
-- fields and eleven arguments per evidence: formatting and parsing numbers cost this script most of
-- its time (a batch of six without look-ups: 38 us as a hash of decimal fields, 13 us packed; with
-- look-ups 74 and 37 us; INFO commandstats, one machine, one sitting).
--
-- KEYS[1]  the profile (a string, below)   KEYS[2], KEYS[3]  the two Bloom generations (bitmaps)
-- ARGV[1]  half-life in ms   ARGV[2] long half-life in ms   ARGV[3] warm-up requests
-- ARGV[4]  warm-up period in ms   ARGV[5] time to live of every key in ms
-- ARGV[6]  ids per Bloom generation   ARGV[7] the most routes remembered
-- ARGV[8]  the batch: per evidence, little-endian (EVIDENCE below): at (epoch ms, a double), flags
--          (1 failure, 2 routed, 4 lookup, 8 miss), route hash (int32), three Bloom bit offsets
--          (uint16), the id's neighbourhood (8 bytes), suffix and page fraction (doubles); an
--          offset, neighbourhood or suffix means nothing without the lookup flag
--
-- The profile, little-endian (PROFILE below): the doubles f first seen, t last update, n requests,
-- ns novel (short), sq sequential steps, lk lookups, ms misses, fl failures, nr new routes, pg pages,
-- nl novel (long), mi minute, mc requests this minute, ew EWMA per minute, g the current Bloom
-- generation (0: KEYS[2]), bi ids in the current generation, ls, ld the suffix and walk direction of
-- the last id new to the fleet; a byte saying whether there is one, its 8-byte neighbourhood; a byte
-- counting the routes seen, then each route hash (int32). A sequential walk is judged in the order
-- the ids reach Redis, whatever node each went through (a tag on one node, its successor guessed on
-- the next, is a step).
--
-- Returns the new profile (the Java side reads its first 14 doubles).

local halfLife = tonumber(ARGV[1])
local longHalfLife = tonumber(ARGV[2])
local warmUpRequests = tonumber(ARGV[3])
local warmUpPeriod = tonumber(ARGV[4])
local ttl = ARGV[5]
local generationSize = tonumber(ARGV[6])
local maxRoutes = tonumber(ARGV[7])
local batch = ARGV[8]
local PROFILE = '<ddddddddddddddddddBc8B'
local EVIDENCE = '<dBi4HHHc8dd'
local EVIDENCE_BYTES = 43
local FIXED = 154
if #batch == 0 or #batch % EVIDENCE_BYTES ~= 0 then
  return redis.error_reply('ERR evidence batch of ' .. #batch .. ' bytes')
end

local p = {}
local routes = {}
local lastHood, lastSuffix, lastDirection
local stored = redis.call('GET', KEYS[1])
if stored and (#stored < FIXED or (#stored - FIXED) % 4 ~= 0
    or string.byte(stored, FIXED) ~= (#stored - FIXED) / 4) then
  stored = false -- not a profile this script wrote: started afresh rather than failing every batch
end
if stored then
  local hasHood, hood, routeCount, at
  p.f, p.t, p.n, p.ns, p.sq, p.lk, p.ms, p.fl, p.nr, p.pg, p.nl, p.mi, p.mc, p.ew, p.g, p.bi,
      lastSuffix, lastDirection, hasHood, hood, routeCount, at = struct.unpack(PROFILE, stored)
  if hasHood == 1 then
    lastHood = hood
  end
  for _ = 1, routeCount do
    local route
    route, at = struct.unpack('<i4', stored, at)
    routes[route] = true
  end
  routes.n = routeCount
else
  local first = struct.unpack('<d', batch)
  p = {f = first, t = first, n = 0, ns = 0, sq = 0, lk = 0, ms = 0, fl = 0, nr = 0, pg = 0, nl = 0,
       mi = math.floor(first / 60000), mc = 0, ew = 0, g = 0, bi = 0}
  lastSuffix, lastDirection = 0, 0
  routes.n = 0
end
local alpha = 1 - 0.5 ^ (1 / 60)
local band = bit.band

local function bloomHas(key, b1, b2, b3)
  return redis.call('GETBIT', key, b1) == 1 and redis.call('GETBIT', key, b2) == 1
      and redis.call('GETBIT', key, b3) == 1
end

local newRoutes = {}
local pos = 1
while pos <= #batch do
  local now, flags, route, b1, b2, b3, hood, suffix, page
  now, flags, route, b1, b2, b3, hood, suffix, page, pos = struct.unpack(EVIDENCE, batch, pos)
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
  if band(flags, 1) ~= 0 then
    p.fl = p.fl + 1
  end
  if band(flags, 2) ~= 0 and not routes[route] then
    if warm then
      p.nr = p.nr + 1
    end
    if routes.n < maxRoutes then
      routes[route] = true
      routes.n = routes.n + 1
      newRoutes[#newRoutes + 1] = route
    end
  end
  if band(flags, 4) ~= 0 then
    p.lk = p.lk + 1
    if band(flags, 8) ~= 0 then
      p.ms = p.ms + 1
    end
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
  p.pg = p.pg + page
end

local packed = struct.pack(PROFILE, p.f, p.t, p.n, p.ns, p.sq, p.lk, p.ms, p.fl, p.nr, p.pg, p.nl,
    p.mi, p.mc, p.ew, p.g, p.bi, lastSuffix, lastDirection, lastHood and 1 or 0,
    lastHood or '\0\0\0\0\0\0\0\0', routes.n)
-- the routes already stored, as stored, then the new ones
local tail = stored and string.sub(stored, FIXED + 1) or ''
for _, route in ipairs(newRoutes) do
  tail = tail .. struct.pack('<i4', route)
end
packed = packed .. tail
redis.call('SET', KEYS[1], packed, 'PX', ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('PEXPIRE', KEYS[3], ttl)
return packed
