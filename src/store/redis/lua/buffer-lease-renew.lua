-- Extends the replay lease if it is still the caller's (same fencing token).
-- KEYS[1] lease
-- ARGV[1] fencing token   ARGV[2] ttl (ms)
-- Returns 1 when extended, 0 when the lease expired or belongs to a newer holder.
local v = redis.call('GET', KEYS[1])
if not v or string.match(v, '^(%d+)|') ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
