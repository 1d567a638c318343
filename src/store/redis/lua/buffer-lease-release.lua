-- Gives the replay lease back if it is still the caller's (same fencing token).
-- KEYS[1] lease
-- ARGV[1] fencing token
-- Returns 1 when released, 0 when it was not the caller's any more.
local v = redis.call('GET', KEYS[1])
if not v or string.match(v, '^(%d+)|') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
