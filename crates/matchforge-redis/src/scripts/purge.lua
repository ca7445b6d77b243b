#!lua
-- One SCAN step over the namespace's own keys, unlinking what it finds.
-- ARGV[1] = cursor, ARGV[2] = MATCH pattern (the namespace prefix then *).
-- Returns {next cursor, keys unlinked}. Runs inside the namespace's slot, so
-- on a cluster it scans the shard that holds the namespace.
local reply = redis.call('SCAN', ARGV[1], 'MATCH', ARGV[2], 'COUNT', 1000)
local keys = reply[2]
local i = 1
while i <= #keys do
  local j = math.min(#keys, i + 3999)
  redis.call('UNLINK', unpack(keys, i, j))
  i = j + 1
end
return {reply[1], #keys}
