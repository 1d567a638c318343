-- Removes a delivered item, only for the live lease holder (fencing).
-- KEYS[1] lease   KEYS[2] stream   KEYS[3] stats (hash)   KEYS[4] dead letters (hash id -> "surface|answer JSON")
-- ARGV[1] fencing token   ARGV[2] item id
-- Returns 1 when removed (or already gone / dead), 0 when fenced out by a newer or expired lease.
local v = redis.call('GET', KEYS[1])
if not v or string.match(v, '^(%d+)|') ~= ARGV[1] then return 0 end
if redis.call('HEXISTS', KEYS[4], ARGV[2]) == 1 then return 1 end
local entry = redis.call('XRANGE', KEYS[2], ARGV[2], ARGV[2])
if #entry == 0 then return 1 end
local fields = entry[1][2]
local surface = nil
for i = 1, #fields, 2 do
  if fields[i] == 's' then surface = fields[i + 1] end
end
redis.call('XDEL', KEYS[2], ARGV[2])
redis.call('HINCRBY', KEYS[3], 'pending:' .. surface, -1)
redis.call('HINCRBY', KEYS[3], 'replayed', 1)
return 1
