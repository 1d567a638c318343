-- Takes a waiting item out of the replay order without sending it (meeting requests, SPEC §9) and keeps its
-- summary, only for the live lease holder (fencing).
-- KEYS[1] lease   KEYS[2] stream   KEYS[3] stats (hash)   KEYS[4] dead letters (hash)   KEYS[5] kept (hash id -> summary JSON)
-- ARGV[1] fencing token   ARGV[2] item id   ARGV[3] the item's surface   ARGV[4] summary (JSON, no body)
-- Returns 1 when kept (or already kept / dead / gone), 0 when fenced out.
local v = redis.call('GET', KEYS[1])
if not v or string.match(v, '^(%d+)|') ~= ARGV[1] then return 0 end
if redis.call('HEXISTS', KEYS[4], ARGV[2]) == 1 then return 1 end
if redis.call('XDEL', KEYS[2], ARGV[2]) == 1 then
  redis.call('HSET', KEYS[5], ARGV[2], ARGV[4])
  redis.call('HINCRBY', KEYS[3], 'pending:' .. ARGV[3], -1)
  redis.call('HINCRBY', KEYS[3], 'kept:' .. ARGV[3], 1)
end
return 1
