-- enqueue_many: each ticket as `enqueue` would, in order; one result per ticket.
-- ARGV[4] = n, then per ticket: id, json, queue, score (micros), secs, nanos,
-- byte length of its event in the blob, player count, players...; last, the
-- blob of events (see the prelude).
-- Replay: a ticket already waiting with exactly this JSON counts as queued
-- (the attempt whose reply was lost queued it).
local n = tonumber(ARGV[4])
local items, ids, players = {}, {}, {}
local pos = 5
local offset = 1
for k = 1, n do
  local np = tonumber(ARGV[pos + 7])
  local t = {
    id = ARGV[pos], json = ARGV[pos + 1], queue = ARGV[pos + 2], score = ARGV[pos + 3],
    secs = tonumber(ARGV[pos + 4]), nanos = tonumber(ARGV[pos + 5]), elen = tonumber(ARGV[pos + 6]),
    players = {},
  }
  for i = 1, np do
    t.players[i] = ARGV[pos + 7 + i]
    players[#players + 1] = t.players[i]
  end
  pos = pos + 8 + np
  t.estart = offset
  offset = offset + t.elen + 1
  items[k] = t
  ids[k] = t.id
end

-- Everything the checks read, in four calls.
local stored = hmget(P .. 'tickets', ids)
local held = hmget(P .. 'waiting_players', players)
local lobby_of = hmget(P .. 'in_lobby', players)
local cooldown = hmget(P .. 'cooldowns', players)

-- Tickets and players queued earlier in this batch.
local new_queue, new_held = {}, {}
local ticket_rows, player_rows, queue_rows = {}, {}, {}
local results = {}

local function queue_of_ticket(id)
  if new_queue[id] then return new_queue[id] end
  return queue_of(redis.call('HGET', P .. 'tickets', id))
end

local function check(t)
  if stored[t.id] or new_queue[t.id] then
    if REPLAY and stored[t.id] == t.json then return nil, true end
    return {'already_queued', t.players[1], t.id, queue_of_ticket(t.id)}
  end
  for _, p in ipairs(t.players) do
    local h = new_held[p] or held[p]
    if h then return {'already_queued', p, h, queue_of_ticket(h)} end
  end
  for _, p in ipairs(t.players) do
    if lobby_of[p] then return {'in_lobby', p, lobby_of[p]} end
  end
  for _, p in ipairs(t.players) do
    if cooldown[p] then
      local s, ns = split_time(cooldown[p])
      if later(s, ns, t.secs, t.nanos) then return {'cooldown', p, cooldown[p]} end
    end
  end
  return nil, false
end

for k, t in ipairs(items) do
  local refused, replayed = check(t)
  if refused then
    results[k] = refused
  elseif replayed then
    results[k] = {'ok'}
  else
    results[k] = {'ok'}
    new_queue[t.id] = t.queue
    ticket_rows[#ticket_rows + 1] = t.id
    ticket_rows[#ticket_rows + 1] = t.json
    local rows = queue_rows[t.queue]
    if not rows then
      rows = {}
      queue_rows[t.queue] = rows
    end
    rows[#rows + 1] = t.score
    rows[#rows + 1] = t.id
    for _, p in ipairs(t.players) do
      new_held[p] = t.id
      player_rows[#player_rows + 1] = p
      player_rows[#player_rows + 1] = t.id
    end
    emit_range(t.estart, t.elen, 1)
  end
end

bulk('HSET', P .. 'tickets', ticket_rows)
bulk('HSET', P .. 'waiting_players', player_rows)
for queue, rows in pairs(queue_rows) do
  bulk('ZADD', P .. 'q:' .. queue, rows)
end
flush_ranges(n)
return results
