-- cancel and expire: removes the listed tickets that are still waiting and
-- logs one event each. ARGV[4] = event name ("ticket_cancelled" or
-- "ticket_expired"), ARGV[5] = the JSON of the event time, ids from ARGV[6].
-- Returns the removed tickets' JSON. Never retried (see the docs).
local name = ARGV[4]
local at = ARGV[5]
local removed = {}
for i = 6, #ARGV do
  local id = ARGV[i]
  local json = redis.call('HGET', P .. 'tickets', id)
  if json then
    local t = cjson.decode(json)
    redis.call('HDEL', P .. 'tickets', id)
    redis.call('ZREM', P .. 'q:' .. t.queue, id)
    for _, player in ipairs(t.players) do
      redis.call('HDEL', P .. 'waiting_players', player.id)
    end
    emit('{"at":' .. at .. ',"event":"' .. name .. '","ticket":"' .. id
      .. '","queue":' .. cjson.encode(t.queue) .. '}')
    removed[#removed + 1] = json
  end
end
flush()
return removed
