-- Takes an account's replay lease if nobody holds it, with a new fencing token.
-- KEYS[1] lease (string "token|owner", expires)   KEYS[2] fence (counter, never expires)
-- ARGV[1] owner   ARGV[2] ttl (ms)
-- Returns the fencing token, or 0 while another lease is live.
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token .. '|' .. ARGV[1], 'PX', ARGV[2])
return token
