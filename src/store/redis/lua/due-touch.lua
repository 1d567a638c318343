-- Touch the timeline's due index: the account needs a look no later than the score; stamp the touch (server time).
-- KEYS[1] sorted set account id -> next moment (ms)   KEYS[2] hash account id -> last touch (ms, Redis TIME)
-- ARGV[1] account id   ARGV[2] score (ms): an existing entry only moves earlier (ZADD LT), a missing one is added
-- Returns 1.
redis.call('ZADD', KEYS[1], 'LT', ARGV[2], ARGV[1])
local t = redis.call('TIME')
redis.call('HSET', KEYS[2], ARGV[1], string.format('%.0f', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)))
return 1
