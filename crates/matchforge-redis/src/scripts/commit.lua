-- commit_many: each lobby all-or-nothing as `commit` would, in order; one
-- outcome per lobby.
-- ARGV[4] = n, then per lobby: id, stored value ("1 <json>"), unfinished
-- ("1"/"0"), deadline score ("" for none), deadline member, seat count,
-- seated players..., ticket count, per ticket (id, json, queue, player count,
-- players...), event count, events...
-- Replay: a lobby already stored with exactly this value counts as
-- committed (the attempt whose reply was lost committed it).
local n = tonumber(ARGV[4])
local lobbies, lobby_ids, ticket_ids = {}, {}, {}
local pos = 5
for k = 1, n do
  local l = {
    id = ARGV[pos], value = ARGV[pos + 1], unfinished = ARGV[pos + 2] == '1',
    deadline_score = ARGV[pos + 3], deadline_member = ARGV[pos + 4],
    seats = {}, tickets = {}, events = {},
  }
  pos = pos + 5
  local ns = tonumber(ARGV[pos])
  for i = 1, ns do l.seats[i] = ARGV[pos + i] end
  pos = pos + 1 + ns
  local nt = tonumber(ARGV[pos])
  pos = pos + 1
  for i = 1, nt do
    local np = tonumber(ARGV[pos + 3])
    local t = {id = ARGV[pos], json = ARGV[pos + 1], queue = ARGV[pos + 2], players = {}}
    for j = 1, np do t.players[j] = ARGV[pos + 3 + j] end
    pos = pos + 4 + np
    l.tickets[i] = t
    ticket_ids[#ticket_ids + 1] = t.id
  end
  local ne = tonumber(ARGV[pos])
  for i = 1, ne do l.events[i] = ARGV[pos + i] end
  pos = pos + 1 + ne
  lobbies[k] = l
  lobby_ids[k] = l.id
end

-- Everything the checks read, in two calls.
local stored_lobbies = hmget(P .. 'lobbies', lobby_ids)
local waiting = hmget(P .. 'tickets', ticket_ids)

-- What earlier lobbies of this batch claimed and created.
local claimed, created = {}, {}
local gone_tickets, gone_players, lobby_rows, seat_rows, deadline_rows = {}, {}, {}, {}, {}
local queue_gone = {}
local results = {}

for k, l in ipairs(lobbies) do
  if created[l.id] then
    results[k] = {'exists'}
  elseif stored_lobbies[l.id] then
    if REPLAY and stored_lobbies[l.id] == l.value then
      results[k] = {'committed'}
    else
      results[k] = {'exists'}
    end
  else
    local missing = {}
    for _, t in ipairs(l.tickets) do
      if claimed[t.id] or waiting[t.id] ~= t.json then
        missing[#missing + 1] = t.id
      end
    end
    if #missing > 0 then
      results[k] = {'missing', unpack(missing)}
    else
      results[k] = {'committed'}
      created[l.id] = true
      for _, t in ipairs(l.tickets) do
        claimed[t.id] = true
        gone_tickets[#gone_tickets + 1] = t.id
        local rows = queue_gone[t.queue]
        if not rows then
          rows = {}
          queue_gone[t.queue] = rows
        end
        rows[#rows + 1] = t.id
        for _, p in ipairs(t.players) do gone_players[#gone_players + 1] = p end
      end
      lobby_rows[#lobby_rows + 1] = l.id
      lobby_rows[#lobby_rows + 1] = l.value
      if l.unfinished then
        for _, p in ipairs(l.seats) do
          seat_rows[#seat_rows + 1] = p
          seat_rows[#seat_rows + 1] = l.id
        end
        if l.deadline_score ~= '' then
          deadline_rows[#deadline_rows + 1] = l.deadline_score
          deadline_rows[#deadline_rows + 1] = l.deadline_member
        end
      end
      for _, e in ipairs(l.events) do emit(e) end
    end
  end
end

bulk('HDEL', P .. 'tickets', gone_tickets)
bulk('HDEL', P .. 'waiting_players', gone_players)
for queue, ids in pairs(queue_gone) do
  bulk('ZREM', P .. 'q:' .. queue, ids)
end
bulk('HSET', P .. 'lobbies', lobby_rows)
bulk('HSET', P .. 'in_lobby', seat_rows)
bulk('ZADD', P .. 'deadlines', deadline_rows)
flush()
return results
