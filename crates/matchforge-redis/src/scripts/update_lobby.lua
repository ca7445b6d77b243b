-- update_lobby: the dynamic checks (the caller already checked what depends
-- only on the stored lobby it read at `expected`; the version check here
-- makes that reading still true), then every write, then the events.
-- Returns {'ok', version} or an error row.
-- Replay: a lobby already stored with exactly the new value counts as updated.
local a = ARGV
local pos = 4
local function take()
  local v = a[pos]
  pos = pos + 1
  return v
end
local function take_list()
  local count = tonumber(take())
  local out = {}
  for i = 1, count do out[i] = take() end
  return out
end

local id = take()
local expected = tonumber(take())
local value = take()
local unfinished = take() == '1'
local deadline_score = take()
local deadline_member = take()
local old_deadline_member = take()
local old_players = take_list()
local new_players = take_list()
local state_event = take()
local record_mismatch = take() == '1'
local requeue = {}
for i = 1, tonumber(take()) do
  local t = {id = take(), json = take(), queue = take(), score = take(), event = take()}
  t.players = take_list()
  requeue[i] = t
end
local cooldowns = {}
for i = 1, tonumber(take()) do
  local player, secs, nanos = take(), take(), take()
  cooldowns[i] = {player = player, secs = tonumber(secs), nanos = tonumber(nanos), value = secs .. ' ' .. nanos}
end
local ladder = take()
local changes = {}
for i = 1, tonumber(take()) do
  changes[i] = {player = take(), before = take(), after = take()}
end
local record = take()
local record_score = take()
local record_member = take()
local record_players = take_list()

local stored = redis.call('HGET', P .. 'lobbies', id)
if not stored then return {'lobby_not_found'} end
if REPLAY and stored == value then return {'ok', expected + 1} end
local version = split_versioned(stored)
if version ~= expected then
  return {'conflict', 'lobby ' .. id .. ' is at version ' .. version .. ', not ' .. expected}
end

for _, t in ipairs(requeue) do
  local other = redis.call('HGET', P .. 'tickets', t.id)
  if other then return {'already_queued', t.players[1], t.id, queue_of(other)} end
  for _, p in ipairs(t.players) do
    local held = redis.call('HGET', P .. 'waiting_players', p)
    if held then
      return {'already_queued', p, held, queue_of(redis.call('HGET', P .. 'tickets', held))}
    end
  end
  for _, p in ipairs(t.players) do
    local in_lobby = redis.call('HGET', P .. 'in_lobby', p)
    if in_lobby and in_lobby ~= id then return {'in_lobby', p, in_lobby} end
  end
end

local rkey = P .. 'ratings:' .. ladder
local seen = {}
for _, c in ipairs(changes) do
  local current = seen[c.player]
  if current == nil then
    current = redis.call('HGET', rkey, c.player) or ''
  end
  if current ~= c.before then
    return {'conflict', 'the rating of player ' .. c.player .. ' on ladder ' .. ladder
      .. ' is not the one the update was computed from'}
  end
  seen[c.player] = c.after
end

if record_mismatch then return {'invalid_result'} end
if record ~= '' and redis.call('HEXISTS', P .. 'records', id) == 1 then
  return {'conflict', 'the match of lobby ' .. id .. ' is already recorded'}
end

-- The cooldown ends to write: the later of the stored and the new end wins
-- (a player listed twice is compared with the earlier entry). Read here,
-- before any write, so a stored end that does not parse changes nothing.
local cooldown_players, cooldown_end = {}, {}
for _, c in ipairs(cooldowns) do
  local current = cooldown_end[c.player]
  if current == nil then
    cooldown_players[#cooldown_players + 1] = c.player
    local stored_end = redis.call('HGET', P .. 'cooldowns', c.player)
    if stored_end then
      local s, ns = split_time(stored_end, P .. 'cooldowns ' .. c.player)
      current = {secs = s, nanos = ns}
    end
  end
  if not current or later(c.secs, c.nanos, current.secs, current.nanos) then
    cooldown_end[c.player] = c
  else
    cooldown_end[c.player] = current
  end
end

-- Every check passed: write.
redis.call('HSET', P .. 'lobbies', id, value)
for _, p in ipairs(old_players) do
  if redis.call('HGET', P .. 'in_lobby', p) == id then
    redis.call('HDEL', P .. 'in_lobby', p)
  end
end
if old_deadline_member ~= '' then
  redis.call('ZREM', P .. 'deadlines', old_deadline_member)
end
if unfinished then
  for _, p in ipairs(new_players) do redis.call('HSET', P .. 'in_lobby', p, id) end
  if deadline_score ~= '' then
    redis.call('ZADD', P .. 'deadlines', deadline_score, deadline_member)
  end
end
emit(state_event)
for _, t in ipairs(requeue) do
  emit(t.event)
  redis.call('HSET', P .. 'tickets', t.id, t.json)
  redis.call('ZADD', P .. 'q:' .. t.queue, t.score, t.id)
  for _, p in ipairs(t.players) do redis.call('HSET', P .. 'waiting_players', p, t.id) end
end
for _, player in ipairs(cooldown_players) do
  local c = cooldown_end[player]
  if c.value then redis.call('HSET', P .. 'cooldowns', player, c.value) end
end
for _, c in ipairs(changes) do
  redis.call('HSET', rkey, c.player, c.after)
end
if record ~= '' then
  redis.call('HSET', P .. 'records', id, record)
  for _, p in ipairs(record_players) do
    redis.call('ZADD', P .. 'history:' .. p, record_score, record_member)
  end
end
flush()
return {'ok', expected + 1}
