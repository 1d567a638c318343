-- Marks an account as having waiting items, stamped with the server's time (see buffer-settle.lua).
-- KEYS[1] index of accounts with waiting items (sorted set, global)
-- ARGV[1] account id
-- Returns 1.
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[1])
return 1
