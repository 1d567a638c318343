-- Removes a delivered item, only for the live lease holder (fencing).
-- KEYS[1] lease   KEYS[2] stream   KEYS[3] stats (hash)   KEYS[4] dead letters (hash id -> "surface|answer JSON")
-- ARGV[1] fencing token   ARGV[2] item id   ARGV[3] the item's surface (counts are kept without reading the body back)
-- Returns 1 when removed (or already gone / dead), 0 when fenced out by a newer or expired lease.
local v = redis.call('GET', KEYS[1])
if not v or string.match(v, '^(%d+)|') ~= ARGV[1] then return 0 end
if redis.call('HEXISTS', KEYS[4], ARGV[2]) == 1 then return 1 end
if redis.call('XDEL', KEYS[2], ARGV[2]) == 1 then
  redis.call('HINCRBY', KEYS[3], 'pending:' .. ARGV[3], -1)
  redis.call('HINCRBY', KEYS[3], 'replayed', 1)
end
return 1
