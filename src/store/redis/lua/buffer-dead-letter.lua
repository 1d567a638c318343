-- Moves an item to the dead letters with the upstream's answer, only for the live lease holder (fencing).
-- The item stays in the stream (so a re-drive keeps its id and place); the cursor moves past it so it no longer waits.
-- With ARGV[4] = '1' (a 401/403 the operator must hear about) the item is marked as owing one notification, in the
-- same atomic write; HSETNX marks it once in its life, so a re-driven item rejected again is not announced twice.
-- KEYS[1] lease   KEYS[2] stream   KEYS[3] stats (hash)   KEYS[4] dead letters (hash)   KEYS[5] cursor (string id)
-- KEYS[6] rejected (hash id -> '0' owed | '1' sent)
-- ARGV[1] fencing token   ARGV[2] item id   ARGV[3] answer (JSON)   ARGV[4] '1' to owe an operator notification
-- Returns 1 when recorded (or already dead / gone), 0 when fenced out.
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
redis.call('HSET', KEYS[4], ARGV[2], surface .. '|' .. ARGV[3])
if ARGV[4] == '1' then redis.call('HSETNX', KEYS[6], ARGV[2], '0') end
local function parts(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local cursor = redis.call('GET', KEYS[5]) or '0-0'
local cm, cs = parts(cursor)
local im, is = parts(ARGV[2])
if im > cm or (im == cm and is > cs) then redis.call('SET', KEYS[5], ARGV[2]) end
redis.call('HINCRBY', KEYS[3], 'pending:' .. surface, -1)
redis.call('HINCRBY', KEYS[3], 'dead:' .. surface, 1)
redis.call('HINCRBY', KEYS[3], 'deadLettered', 1)
return 1
