-- delete_party: ARGV[4] = id, ARGV[5] = expected version.
-- Replay: a party already gone counts as deleted.
local id = ARGV[4]
local stored = redis.call('HGET', P .. 'parties', id)
if not stored then
  if REPLAY then return {'ok'} end
  return {'conflict', 'party ' .. id .. ' is gone'}
end
local version = split_versioned(stored)
if version ~= tonumber(ARGV[5]) then
  return {'conflict', 'party ' .. id .. ' is at version ' .. version .. ', not ' .. ARGV[5]}
end
-- Decoded before the first write: a stored party that does not decode is an
-- error that changes nothing.
for _, member in ipairs(party_members(stored, P .. 'parties ' .. id)) do
  redis.call('HDEL', P .. 'party_of', member)
end
redis.call('HDEL', P .. 'parties', id)
return {'ok'}
