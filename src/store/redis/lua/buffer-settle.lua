-- Drops an account from the index of accounts with waiting items, unless it was marked within the grace period:
-- the index is written before the item, so a fresh mark may belong to an append still on its way.
-- KEYS[1] index (sorted set, global)
-- ARGV[1] account id   ARGV[2] grace (ms)
-- Returns 1 when dropped, 0 when kept or absent.
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if tonumber(score) > now - tonumber(ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
