#!lua
-- Shared by every writing script (prepended at compile time).
--
-- KEYS[1] is the namespace's event stream: it routes the script to the shard
-- that holds the namespace's hash slot. Every other key is built from the
-- prefix ARGV[1] = "{mf:<namespace>}:", so it carries the same hash tag and
-- lives in the same slot.
-- ARGV[2] = event stream MAXLEN ("" = keep every event), ARGV[3] = "1" when
-- the call is a retry after a dropped connection (see the replay rules in
-- each script), script arguments from ARGV[4] on.
local P = ARGV[1]
-- Kept as the string it came as: Lua would print a number from 10^17 on as
-- "1e+17", which XADD refuses, and XADD comes after every other write.
local MAXLEN = ARGV[2]
local REPLAY = ARGV[3] == '1'
-- Lua's unpack is limited by the C stack: variadic commands go in chunks.
local CHUNK = 4000
-- At most 2^20 - 1 events share one stream entry (the cursor's minor part is
-- the entry's sequence number shifted by 20 bits, plus the index).
local PER_ENTRY = 1048575

local function xadd(body)
  if MAXLEN ~= '' then
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', MAXLEN, '*', 'e', body)
  else
    redis.call('XADD', KEYS[1], '*', 'e', body)
  end
end

local pending = {}

local function emit(json)
  pending[#pending + 1] = json
end

-- Appends the buffered events: one stream entry per script call, so a batch
-- of thousands of changes costs one XADD.
local function flush()
  local n = #pending
  local i = 1
  while i <= n do
    local j = math.min(n, i + PER_ENTRY - 1)
    xadd(table.concat(pending, '\n', i, j))
    i = j + 1
  end
end

-- Batch scripts get the events of every item already joined, one JSON per
-- line, in the last argument, and each item's byte range and event count.
-- When every item is accepted (the usual case) that argument is appended as
-- it is; otherwise the accepted items' ranges are cut out of it.
local BLOB = ARGV[#ARGV]
local ranges = {}
local range_events = 0

local function emit_range(start, len, count)
  ranges[#ranges + 1] = {start, len, count}
  range_events = range_events + count
end

local function flush_ranges(items)
  if #ranges == 0 then return end
  if #ranges == items and range_events <= PER_ENTRY then
    xadd(BLOB)
    return
  end
  local parts, count = {}, 0
  for _, r in ipairs(ranges) do
    if count + r[3] > PER_ENTRY then
      xadd(table.concat(parts, '\n'))
      parts, count = {}, 0
    end
    parts[#parts + 1] = string.sub(BLOB, r[1], r[1] + r[2] - 1)
    count = count + r[3]
  end
  xadd(table.concat(parts, '\n'))
end

-- Runs a variadic command over `args` in chunks (CHUNK is even, so pairs stay whole).
local function bulk(cmd, key, args)
  local i = 1
  local n = #args
  while i <= n do
    local j = math.min(n, i + CHUNK - 1)
    redis.call(cmd, key, unpack(args, i, j))
    i = j + 1
  end
end

-- HMGET over any number of fields, as a table field -> value (absent fields left out).
local function hmget(key, fields)
  local out = {}
  local i = 1
  local n = #fields
  while i <= n do
    local j = math.min(n, i + CHUNK - 1)
    local values = redis.call('HMGET', key, unpack(fields, i, j))
    for k = 1, #values do
      if values[k] then
        out[fields[i + k - 1]] = values[k]
      end
    end
    i = j + 1
  end
  return out
end

-- The queue of a waiting ticket, from its stored JSON.
local function queue_of(ticket_json)
  return cjson.decode(ticket_json).queue
end

-- "<version> <json>" -> version, json
local function split_versioned(value)
  local space = string.find(value, ' ', 1, true)
  return tonumber(string.sub(value, 1, space - 1)), string.sub(value, space + 1)
end

-- The members of a party stored as "<version> <json>": a list of player
-- ids. A value that is not one is an error naming `place` (scripts read it
-- before their first write, so the error changes nothing).
local function party_members(value, place)
  local _, json = split_versioned(value)
  local ok, party = pcall(cjson.decode, json)
  local members = ok and type(party) == 'table' and party.members
  if type(members) ~= 'table' then
    error('corrupt value at ' .. place .. ': not a party')
  end
  for _, member in ipairs(members) do
    if type(member) ~= 'string' then
      error('corrupt value at ' .. place .. ': a member is not a player id')
    end
  end
  return members
end

-- A time stored as "<secs> <nanos>" -> secs, nanos (exact: both fit a double).
-- A value that is not one is an error naming `place` (scripts read every
-- stored time before their first write, so the error changes nothing).
local function split_time(value, place)
  local space = string.find(value, ' ', 1, true)
  local secs = space and tonumber(string.sub(value, 1, space - 1))
  local nanos = space and tonumber(string.sub(value, space + 1))
  if not (secs and nanos) then
    error('corrupt value at ' .. place .. ': not a "<secs> <nanos>" time')
  end
  return secs, nanos
end

local function later(s1, n1, s2, n2)
  return s1 > s2 or (s1 == s2 and n1 > n2)
end
