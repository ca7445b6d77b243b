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
-- committed (the attempt whose reply was lost committed it); a repeat of it
-- later in the batch 'exists', as for that attempt.
-- A finished lobby (unfinished "0") is refused before its id or tickets are
-- looked at, the string 'finished': it claims nothing and takes no id.
-- Success is the string 'committed', an existing lobby the string 'exists';
-- missing tickets are a row {'missing', ids...}. The loop reads the arguments
-- in place: no table per lobby.
local n = tonumber(ARGV[4])
local at, lobby_ids, ticket_ids = {}, {}, {}
local pos = 5
for k = 1, n do
  at[k] = pos
  lobby_ids[k] = ARGV[pos]
  pos = pos + 5
  local nt = tonumber(ARGV[pos])
  pos = pos + 1
  for _ = 1, nt do
    ticket_ids[#ticket_ids + 1] = ARGV[pos]
    pos = pos + 3 + tonumber(ARGV[pos + 2])
  end
  pos = pos + 2
end

-- Everything the checks read, in two calls.
local stored_lobbies = hmget(P .. 'lobbies', lobby_ids)
local waiting = hmget(P .. 'tickets', ticket_ids)

-- What earlier lobbies of this batch claimed and created.
local claimed, created = {}, {}
local gone_tickets, gone_players, lobby_rows, seat_rows, deadline_rows = {}, {}, {}, {}, {}
local queue_gone = {}
local results = {}

-- ARGV layout of a lobby at p: id, value, unfinished, deadline score,
-- deadline member, ticket count, tickets (id, queue, player count, players),
-- event length, event count.
local offset = 1
for k = 1, n do
  local p = at[k]
  local id, value = ARGV[p], ARGV[p + 1]
  local nt = tonumber(ARGV[p + 5])
  local first = p + 6
  local q = first
  for _ = 1, nt do q = q + 3 + tonumber(ARGV[q + 2]) end
  local elen, ecount = tonumber(ARGV[q]), tonumber(ARGV[q + 1])
  if ARGV[p + 2] ~= '1' then
    results[k] = 'finished'
  elseif created[id] then
    results[k] = 'exists'
  elseif stored_lobbies[id] then
    if REPLAY and stored_lobbies[id] == value then
      -- A repeat later in the batch is refused, as the lost attempt did.
      results[k] = 'committed'
      created[id] = true
    else
      results[k] = 'exists'
    end
  else
    local missing = nil
    q = first
    for _ = 1, nt do
      local tid = ARGV[q]
      local stored = waiting[tid]
      if claimed[tid] or not stored or not string.find(value, stored, 1, true) then
        missing = missing or {'missing'}
        missing[#missing + 1] = tid
      end
      q = q + 3 + tonumber(ARGV[q + 2])
    end
    if missing then
      results[k] = missing
    else
      results[k] = 'committed'
      created[id] = true
      q = first
      for _ = 1, nt do
        local tid, queue, np = ARGV[q], ARGV[q + 1], tonumber(ARGV[q + 2])
        claimed[tid] = true
        gone_tickets[#gone_tickets + 1] = tid
        local rows = queue_gone[queue]
        if not rows then
          rows = {}
          queue_gone[queue] = rows
        end
        rows[#rows + 1] = tid
        for i = q + 3, q + 2 + np do
          gone_players[#gone_players + 1] = ARGV[i]
          seat_rows[#seat_rows + 1] = ARGV[i]
          seat_rows[#seat_rows + 1] = id
        end
        q = q + 3 + np
      end
      lobby_rows[#lobby_rows + 1] = id
      lobby_rows[#lobby_rows + 1] = value
      if ARGV[p + 3] ~= '' then
        deadline_rows[#deadline_rows + 1] = ARGV[p + 3]
        deadline_rows[#deadline_rows + 1] = ARGV[p + 4]
      end
      emit_range(offset, elen, ecount)
    end
  end
  offset = offset + elen + 1
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
