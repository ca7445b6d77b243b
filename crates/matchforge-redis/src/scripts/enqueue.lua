-- enqueue_many: each ticket as `enqueue` would, in order; one result per ticket.
-- ARGV[4] = n, then per ticket: id, json, queue, score (micros), secs, nanos,
-- byte length of its event in the blob, player count, players...; last, the
-- blob of events (see the prelude).
-- Replay: a ticket already waiting with exactly this JSON counts as queued
-- (the attempt whose reply was lost queued it); a repeat of it later in the
-- batch is refused, as that attempt refused it.
-- Success is the string 'ok'; a refusal is a row (see refusal.rs). The loop
-- reads the arguments in place: no table per ticket.
local n = tonumber(ARGV[4])
local at, ids, players = {}, {}, {}
local pos = 5
for k = 1, n do
  at[k] = pos
  ids[k] = ARGV[pos]
  local np = tonumber(ARGV[pos + 7])
  for i = 1, np do players[#players + 1] = ARGV[pos + 7 + i] end
  pos = pos + 8 + np
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

-- ARGV layout of a ticket at p: id, json, queue, score, secs, nanos, event
-- length, player count, players.
local function check(p)
  local id, np = ARGV[p], tonumber(ARGV[p + 7])
  if stored[id] or new_queue[id] then
    -- Only the first occurrence: the lost attempt refused any repeat.
    if REPLAY and not new_queue[id] and stored[id] == ARGV[p + 1] then return nil, true end
    return {'already_queued', ARGV[p + 8], id, queue_of_ticket(id)}
  end
  for i = p + 8, p + 7 + np do
    local h = new_held[ARGV[i]] or held[ARGV[i]]
    if h then return {'already_queued', ARGV[i], h, queue_of_ticket(h)} end
  end
  for i = p + 8, p + 7 + np do
    if lobby_of[ARGV[i]] then return {'in_lobby', ARGV[i], lobby_of[ARGV[i]]} end
  end
  for i = p + 8, p + 7 + np do
    local until_ = cooldown[ARGV[i]]
    if until_ then
      local s, ns = split_time(until_, P .. 'cooldowns ' .. ARGV[i])
      if later(s, ns, tonumber(ARGV[p + 4]), tonumber(ARGV[p + 5])) then
        return {'cooldown', ARGV[i], until_}
      end
    end
  end
  return nil, false
end

local offset = 1
for k = 1, n do
  local p = at[k]
  local elen = tonumber(ARGV[p + 6])
  local refused, replayed = check(p)
  if refused then
    results[k] = refused
  else
    results[k] = 'ok'
    if replayed then
      new_queue[ARGV[p]] = ARGV[p + 2]
    else
      local id, queue = ARGV[p], ARGV[p + 2]
      new_queue[id] = queue
      ticket_rows[#ticket_rows + 1] = id
      ticket_rows[#ticket_rows + 1] = ARGV[p + 1]
      local rows = queue_rows[queue]
      if not rows then
        rows = {}
        queue_rows[queue] = rows
      end
      rows[#rows + 1] = ARGV[p + 3]
      rows[#rows + 1] = id
      for i = p + 8, p + 7 + tonumber(ARGV[p + 7]) do
        new_held[ARGV[i]] = id
        player_rows[#player_rows + 1] = ARGV[i]
        player_rows[#player_rows + 1] = id
      end
      emit_range(offset, elen, 1)
    end
  end
  offset = offset + elen + 1
end

bulk('HSET', P .. 'tickets', ticket_rows)
bulk('HSET', P .. 'waiting_players', player_rows)
for queue, rows in pairs(queue_rows) do
  bulk('ZADD', P .. 'q:' .. queue, rows)
end
flush_ranges(n)
return results
