-- commit_many: each lobby all-or-nothing as `commit` would, in order; one
-- outcome per lobby.
-- ARGV[4] = n, then per lobby: id, stored value ("1 <json>"), unfinished
-- ("1"/"0"), deadline score ("" for none), deadline member, ticket count,
-- per ticket (id, queue, player count, players...), byte length and
-- count of its events in the blob; last, the blob of events (see the
-- prelude). The lobby's players are its tickets' players.
-- A ticket is still the lobby's if its stored JSON appears verbatim in the
-- lobby's JSON: serde writes a ticket inside a lobby exactly as on its own,
-- and only a ticket object starts with its id, so the lobby holds exactly
-- the stored ticket (a ticket re-queued under the same id with other content
-- does not match).
-- Replay: a lobby already stored with exactly this value counts as
-- committed (the attempt whose reply was lost committed it).
local n = tonumber(ARGV[4])
local lobbies, lobby_ids, ticket_ids = {}, {}, {}
local pos = 5
local offset = 1
for k = 1, n do
  local l = {
    id = ARGV[pos], value = ARGV[pos + 1], unfinished = ARGV[pos + 2] == '1',
    deadline_score = ARGV[pos + 3], deadline_member = ARGV[pos + 4],
    tickets = {},
  }
  pos = pos + 5
  local nt = tonumber(ARGV[pos])
  pos = pos + 1
  for i = 1, nt do
    local np = tonumber(ARGV[pos + 2])
    local t = {id = ARGV[pos], queue = ARGV[pos + 1], players = {}}
    for j = 1, np do t.players[j] = ARGV[pos + 2 + j] end
    pos = pos + 3 + np
    l.tickets[i] = t
    ticket_ids[#ticket_ids + 1] = t.id
  end
  l.elen, l.ecount = tonumber(ARGV[pos]), tonumber(ARGV[pos + 1])
  pos = pos + 2
  l.estart = offset
  offset = offset + l.elen + 1
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
      local stored = waiting[t.id]
      if claimed[t.id] or not stored or not string.find(l.value, stored, 1, true) then
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
        for _, p in ipairs(t.players) do
          gone_players[#gone_players + 1] = p
          if l.unfinished then
            seat_rows[#seat_rows + 1] = p
            seat_rows[#seat_rows + 1] = l.id
          end
        end
      end
      lobby_rows[#lobby_rows + 1] = l.id
      lobby_rows[#lobby_rows + 1] = l.value
      if l.unfinished then
        if l.deadline_score ~= '' then
          deadline_rows[#deadline_rows + 1] = l.deadline_score
          deadline_rows[#deadline_rows + 1] = l.deadline_member
        end
      end
      emit_range(l.estart, l.elen, l.ecount)
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
flush_ranges(n)
return results
