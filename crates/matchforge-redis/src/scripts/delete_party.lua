-- delete_party: ARGV[4] = id, ARGV[5] = expected version.
-- Replay: a party already gone counts as deleted.
local id = ARGV[4]
local stored = redis.call('HGET', P .. 'parties', id)
if not stored then
  if REPLAY then return {'ok'} end
  return {'conflict', 'party ' .. id .. ' is gone'}
end
local version, json = split_versioned(stored)
if version ~= tonumber(ARGV[5]) then
  return {'conflict', 'party ' .. id .. ' is at version ' .. version .. ', not ' .. ARGV[5]}
end
for _, member in ipairs(cjson.decode(json).members) do
  redis.call('HDEL', P .. 'party_of', member)
end
redis.call('HDEL', P .. 'parties', id)
return {'ok'}
