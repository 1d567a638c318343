-- Records that the operator notification owed for a rejected replay was sent, only for the live lease holder.
-- KEYS[1] lease   KEYS[2] rejected (hash id -> '0' owed | '1' sent)
-- ARGV[1] fencing token   ARGV[2] item id
-- Returns 1 when recorded (or nothing was owed), 0 when fenced out.
local v = redis.call('GET', KEYS[1])
if not v or string.match(v, '^(%d+)|') ~= ARGV[1] then return 0 end
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then redis.call('HSET', KEYS[2], ARGV[2], '1') end
return 1
