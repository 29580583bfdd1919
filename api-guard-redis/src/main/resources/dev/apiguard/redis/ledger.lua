-- Merges one caller's delta from one node into the fleet's ledger record of the caller, by the
-- rules of CallerRecord.merge: counts add, first seen is the earlier and last seen the later (a
-- side without requests of its own, made by misuses, does not move those of a side with some),
-- kinds are united, each scope keeps its later time, credentials merge field by field; at most
-- ARGV[2] scopes per map and ARGV[3] credentials are kept, the least recently seen dropped first.
-- Time is the app's (in the delta), never Redis TIME. Every key gets the time to live ARGV[1].
--
-- KEYS[1]  the record (a hash: ns, iss, id, f first seen ms, l last seen ms, n requests, k kinds bits)
-- KEYS[2]  scopes granted (a hash: scope -> latest ms)   KEYS[3] scopes used (the same)
-- KEYS[4]  credentials (a hash: 'type|issuer length or -1|issuer|id' -> 'k,f,l,n,e,lt,u,m,lm',
--          kinds bits, first, last, requests, expiry ms, longest token lifetime ms, unbound
--          sensitive uses, misuses, last misused ms; '' for none)
-- ARGV[1] time to live in ms   ARGV[2] most scopes per map   ARGV[3] most credentials
-- ARGV[4] namespace   ARGV[5] issuer   ARGV[6] id   ARGV[7] first seen   ARGV[8] last seen
-- ARGV[9] requests   ARGV[10] kinds bits
-- then: the number of scopes granted and as many pairs (scope, ms); the same for scopes used;
-- the number of credentials and as many pairs (field, value)
--
-- Returns the record's last seen ms (for the index).

local ttl = ARGV[1]
local maxScopes = tonumber(ARGV[2])
local maxCredentials = tonumber(ARGV[3])

local function num(s)
  if s == nil or s == '' then
    return nil
  end
  return tonumber(s)
end

local function str(x)
  if x == nil then
    return ''
  end
  return string.format('%.0f', x)
end

-- first and last seen of two sides (count, first, last)
local function seen(na, fa, la, nb, fb, lb)
  if na > 0 and nb == 0 then
    return fa, la
  end
  if nb > 0 and na == 0 then
    return fb, lb
  end
  return math.min(fa, fb), math.max(la, lb)
end

-- the record
local stored = redis.call('HMGET', KEYS[1], 'f', 'l', 'n', 'k')
local df, dl, dn, dk = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local f, l, n, k
if stored[1] == false then
  f, l, n, k = df, dl, dn, dk
  redis.call('HSET', KEYS[1], 'ns', ARGV[4], 'iss', ARGV[5], 'id', ARGV[6])
else
  local sn = tonumber(stored[3])
  f, l = seen(sn, tonumber(stored[1]), tonumber(stored[2]), dn, df, dl)
  n = sn + dn
  k = bit.bor(tonumber(stored[4]), dk)
end
redis.call('HSET', KEYS[1], 'f', str(f), 'l', str(l), 'n', str(n), 'k', str(k))

-- drops the entries of a hash beyond 'most', the smallest by rank(value) first, then by field
local function trim(key, most, rank)
  if redis.call('HLEN', key) <= most then
    return
  end
  local all = redis.call('HGETALL', key)
  local entries = {}
  for i = 1, #all, 2 do
    entries[#entries + 1] = {all[i], rank(all[i + 1])}
  end
  table.sort(entries, function(a, b)
    if a[2] ~= b[2] then
      return a[2] < b[2]
    end
    return a[1] < b[1]
  end)
  for i = 1, #entries - most do
    redis.call('HDEL', key, entries[i][1])
  end
end

local a = 11
local function scopes(key)
  local count = tonumber(ARGV[a])
  a = a + 1
  for _ = 1, count do
    local scope, at = ARGV[a], tonumber(ARGV[a + 1])
    a = a + 2
    local old = num(redis.call('HGET', key, scope))
    if old == nil or at > old then
      redis.call('HSET', key, scope, ARGV[a - 1])
    end
  end
  trim(key, maxScopes, tonumber)
end
scopes(KEYS[2])
scopes(KEYS[3])

local function split(value)
  local out = {}
  local from = 1
  for i = 1, 9 do
    local comma = string.find(value, ',', from, true)
    local part
    if comma == nil then
      part = string.sub(value, from)
      from = #value + 1
    else
      part = string.sub(value, from, comma - 1)
      from = comma + 1
    end
    out[i] = num(part)
  end
  return out
end

local count = tonumber(ARGV[a])
a = a + 1
for _ = 1, count do
  local field, value = ARGV[a], ARGV[a + 1]
  a = a + 2
  local old = redis.call('HGET', KEYS[4], field)
  if old ~= false then
    local x, y = split(old), split(value)
    -- x, y: kinds, first, last, requests, expiry, longest, unbound, misuses, last misused
    local cf, cl = seen(x[4], x[2], x[3], y[4], y[2], y[3])
    local e
    if x[5] == nil or y[5] == nil then
      e = x[5] or y[5]
    elseif string.sub(field, 1, 6) == 'token|' then
      e = math.max(x[5], y[5])
    else
      -- a key or certificate: the expiry of the more recent use (a misuse ranks below a use)
      local ox, oy = math.min(x[4], 1), math.min(y[4], 1)
      if ox == oy then
        ox, oy = x[3], y[3]
      end
      if ox == oy then
        e = math.max(x[5], y[5])
      elseif ox > oy then
        e = x[5]
      else
        e = y[5]
      end
    end
    local lt = x[6]
    if lt == nil or (y[6] ~= nil and y[6] > lt) then
      lt = y[6]
    end
    local lm = x[9]
    if lm == nil or (y[9] ~= nil and y[9] > lm) then
      lm = y[9]
    end
    value = table.concat({str(bit.bor(x[1], y[1])), str(cf), str(cl), str(x[4] + y[4]), str(e), str(lt),
      str(x[7] + y[7]), str(x[8] + y[8]), str(lm)}, ',')
  end
  redis.call('HSET', KEYS[4], field, value)
end
trim(KEYS[4], maxCredentials, function(v)
  return split(v)[3]
end)

for i = 1, 4 do
  redis.call('PEXPIRE', KEYS[i], ttl)
end
return str(l)
