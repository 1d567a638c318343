-- Makes every dead letter wait again: they are still in the stream, so resetting the cursor puts them back in
-- their original order with their original ids. Revokes the lease so a replay under way restarts from the oldest.
-- KEYS[1] lease   KEYS[2] stats (hash)   KEYS[3] dead letters (hash)   KEYS[4] cursor
-- Returns how many items were re-driven.
local all = redis.call('HGETALL', KEYS[3])
if #all == 0 then return 0 end
for i = 1, #all, 2 do
  local surface = string.match(all[i + 1], '^([^|]+)|')
  redis.call('HINCRBY', KEYS[2], 'dead:' .. surface, -1)
  redis.call('HINCRBY', KEYS[2], 'pending:' .. surface, 1)
end
local n = #all / 2
redis.call('DEL', KEYS[3], KEYS[4], KEYS[1])
redis.call('HINCRBY', KEYS[2], 'redriven', n)
return n
