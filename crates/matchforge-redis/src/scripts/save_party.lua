-- save_party: create (ARGV[5] = "") or update from a version, checking that
-- no member belongs to another party. ARGV[4] = id, ARGV[6] = the new stored
-- value "<version> <json>", members from ARGV[7].
-- Replay: a party already stored with exactly the new value counts as saved.
local id = ARGV[4]
local expected = ARGV[5]
local value = ARGV[6]
local new_version = split_versioned(value)
local stored = redis.call('HGET', P .. 'parties', id)
if REPLAY and stored == value then return {'ok', new_version} end
if expected == '' then
  if stored then return {'conflict', 'party ' .. id .. ' already exists'} end
else
  if not stored then return {'conflict', 'party ' .. id .. ' is gone'} end
  local version = split_versioned(stored)
  if version ~= tonumber(expected) then
    return {'conflict', 'party ' .. id .. ' is at version ' .. version .. ', not ' .. expected}
  end
end
for i = 7, #ARGV do
  local other = redis.call('HGET', P .. 'party_of', ARGV[i])
  if other and other ~= id then return {'party_rule', ARGV[i], other} end
end
-- Decoded before the first write: a stored party that does not decode is an
-- error that changes nothing.
local old_members = stored and party_members(stored, P .. 'parties ' .. id) or {}
for _, member in ipairs(old_members) do
  redis.call('HDEL', P .. 'party_of', member)
end
for i = 7, #ARGV do redis.call('HSET', P .. 'party_of', ARGV[i], id) end
redis.call('HSET', P .. 'parties', id, value)
return {'ok', new_version}
