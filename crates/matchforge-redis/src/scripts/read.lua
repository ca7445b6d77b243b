#!lua flags=no-writes
-- Reads that need several keys seen at one instant. ARGV[1] = prefix,
-- ARGV[2] = what to read, arguments from ARGV[3]. KEYS[1] routes (see prelude).
local P = ARGV[1]
local what = ARGV[2]

local function hmget_list(key, fields)
  local out = {}
  local i = 1
  while i <= #fields do
    local j = math.min(#fields, i + 3999)
    local values = redis.call('HMGET', key, unpack(fields, i, j))
    for k = 1, #values do out[#out + 1] = values[k] end
    i = j + 1
  end
  return out
end

if what == 'tickets' then
  -- The waiting tickets of a queue, by score (enqueue micros) then id.
  local ids = redis.call('ZRANGE', P .. 'q:' .. ARGV[3], 0, -1)
  return hmget_list(P .. 'tickets', ids)
elseif what == 'ticket_of' then
  local id = redis.call('HGET', P .. 'waiting_players', ARGV[3])
  if not id then return false end
  return redis.call('HGET', P .. 'tickets', id)
elseif what == 'party_of' then
  local id = redis.call('HGET', P .. 'party_of', ARGV[3])
  if not id then return false end
  return redis.call('HGET', P .. 'parties', id)
elseif what == 'matches_of' then
  -- ARGV: player, from secs, from nanos, to secs, to nanos ("" = unbounded), limit.
  -- History members are "<nanos, 10 digits><lobby id>" scored by seconds.
  local from_s, from_n = ARGV[4], tonumber(ARGV[5])
  local to_s, to_n = ARGV[6], tonumber(ARGV[7])
  local limit = tonumber(ARGV[8])
  local max = to_s == '' and '+inf' or to_s
  local min = from_s == '' and '-inf' or from_s
  local rows = redis.call('ZREVRANGEBYSCORE', P .. 'history:' .. ARGV[3], max, min, 'WITHSCORES')
  local ids = {}
  local i = 1
  while i < #rows and #ids < limit do
    local member, secs = rows[i], tonumber(rows[i + 1])
    local nanos = tonumber(string.sub(member, 1, 10))
    local before_to = to_s == '' or secs < tonumber(to_s) or (secs == tonumber(to_s) and nanos < to_n)
    local from_on = from_s == '' or secs > tonumber(from_s) or (secs == tonumber(from_s) and nanos >= from_n)
    if before_to and from_on then ids[#ids + 1] = string.sub(member, 11) end
    i = i + 2
  end
  if #ids == 0 then return {} end
  return hmget_list(P .. 'records', ids)
end
return redis.error_reply('unknown read ' .. what)
