-- cancel and expire: removes the listed tickets that are still waiting and
-- logs one event each. ARGV[4] = event name ("ticket_cancelled" or
-- "ticket_expired"), ARGV[5] = the JSON of the event time, ids from ARGV[6].
-- Returns the removed tickets' JSON. Never retried (see the docs).
local name = ARGV[4]
local at = ARGV[5]

-- Every listed ticket that is waiting (each once), decoded before the first
-- write: a stored ticket that does not decode is an error that changes nothing.
local found, seen = {}, {}
for i = 6, #ARGV do
  local id = ARGV[i]
  local json = not seen[id] and redis.call('HGET', P .. 'tickets', id)
  seen[id] = true
  if json then
    local ok, t = pcall(cjson.decode, json)
    local valid = ok and type(t) == 'table' and type(t.queue) == 'string'
      and type(t.players) == 'table'
    if valid then
      for _, player in ipairs(t.players) do
        valid = valid and type(player) == 'table' and type(player.id) == 'string'
      end
    end
    if not valid then
      return redis.error_reply('corrupt value at ' .. P .. 'tickets ' .. id .. ': not a ticket')
    end
    found[#found + 1] = {id = id, json = json, t = t}
  end
end

local removed = {}
for _, f in ipairs(found) do
  local id, t = f.id, f.t
  redis.call('HDEL', P .. 'tickets', id)
  redis.call('ZREM', P .. 'q:' .. t.queue, id)
  for _, player in ipairs(t.players) do
    redis.call('HDEL', P .. 'waiting_players', player.id)
  end
  emit('{"at":' .. at .. ',"event":"' .. name .. '","ticket":"' .. id
    .. '","queue":' .. cjson.encode(t.queue) .. '}')
  removed[#removed + 1] = f.json
end
flush()
return removed
