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
-- generation (0: KEYS[2]), bi ids in the current generation; a byte counting the walks followed,
-- then WALKS walks, most recent first, each its 8-byte neighbourhood, the suffix of its last id
-- (a double) and its direction (a byte: 0 none yet, 1 up, 2 down); a byte counting the routes seen,
-- then each route hash (int32). As CallerProfile.step: a new id in the neighbourhood of a walk
-- followed is a step when it goes the walk's way, whatever node each id went through (a tag on one
-- node, its successor guessed on the next, is a step). Several walks, not only the last id's: the
-- nodes' batches reach Redis interleaved (a node gathers a busy caller's evidence for the linger),
-- so a tag may arrive after the successor guessed on the other node, with other ids between.
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
-- walks followed at once (Evidence.WALKS): the layout is fixed, so the number lives here too
local WALKS = 8
local WALK_RECORD = 17 -- its neighbourhood (8 bytes), the suffix of its last id, its direction
local WALK_BYTES = 1 + WALKS * WALK_RECORD
-- the walks are one string in the profile, read and cut as one (below)
local PROFILE = '<' .. string.rep('d', 16) .. 'c' .. WALK_BYTES .. 'B'
local EVIDENCE = '<dBi4HHHc8dd'
local EVIDENCE_BYTES = 43
local FIXED = 16 * 8 + WALK_BYTES + 1
if #batch == 0 or #batch % EVIDENCE_BYTES ~= 0 then
  return redis.error_reply('ERR evidence batch of ' .. #batch .. ' bytes')
end

local p = {}
local routes = {}
-- the walks, as stored (a count, then the walks, most recent first)
local walks = string.rep('\0', WALK_BYTES)
local stored = redis.call('GET', KEYS[1])
if stored and (#stored < FIXED or (#stored - FIXED) % 4 ~= 0
    or string.byte(stored, FIXED) ~= (#stored - FIXED) / 4) then
  stored = false -- not a profile this script wrote: started afresh rather than failing every batch
end
if stored then
  local routeCount, at
  p.f, p.t, p.n, p.ns, p.sq, p.lk, p.ms, p.fl, p.nr, p.pg, p.nl, p.mi, p.mc, p.ew, p.g, p.bi,
      walks, routeCount, at = struct.unpack(PROFILE, stored)
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
      -- as CallerProfile.step: a new id in a walk's neighbourhood, going the walk's way, is a
      -- step; the walk moves to the front, and a new neighbourhood starts a walk there, the least
      -- recent one making room when all are taken. Done on the stored string itself (a search
      -- and one concatenation): reading the walks into tables and packing them again added three
      -- times as much to a script with one new id (INFO commandstats, interleaved runs)
      local n = string.byte(walks, 1)
      local last = 1 + n * WALK_RECORD -- the last byte of the walks taken
      local at = string.find(walks, hood, 2, true)
      while at and at <= last and (at - 2) % WALK_RECORD ~= 0 do
        at = string.find(walks, hood, at + 1, true) -- a match across two records, not a hood
      end
      local direction = 0
      if at and at <= last then
        local before, was = struct.unpack('<dB', walks, at + 8)
        direction = was
        if suffix ~= before then
          local way = suffix > before and 1 or 2
          if was == 0 or way == was then
            p.sq = p.sq + 1
          end
          direction = way
        end
        -- one concatenation, one new string: the walks before this one, then those after it
        walks = string.char(n) .. hood .. struct.pack('<dB', suffix, direction)
            .. string.sub(walks, 2, at - 1) .. string.sub(walks, at + WALK_RECORD)
      else
        if n < WALKS then
          n = n + 1
        end
        -- the others move back a place; the least recent, when all are taken, goes
        walks = string.char(n) .. hood .. struct.pack('<dB', suffix, direction)
            .. string.sub(walks, 2, WALK_BYTES - WALK_RECORD)
      end
    end
  end
  p.pg = p.pg + page
end

local packed = struct.pack(PROFILE, p.f, p.t, p.n, p.ns, p.sq, p.lk, p.ms, p.fl, p.nr, p.pg, p.nl,
    p.mi, p.mc, p.ew, p.g, p.bi, walks, routes.n)
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
