-- Appends one buffered request to the account's stream and counts it, atomically.
-- KEYS[1] stream   KEYS[2] stats (hash)
-- ARGV[1] surface   ARGV[2] method   ARGV[3] path   ARGV[4] query   ARGV[5] headers (JSON)
-- ARGV[6] content type ('' = none)   ARGV[7] body (bytes)   ARGV[8] receivedAt (epoch ms)
-- Returns the new stream id (orders the account's items).
local id = redis.call('XADD', KEYS[1], '*',
  's', ARGV[1], 'm', ARGV[2], 'p', ARGV[3], 'q', ARGV[4], 'h', ARGV[5], 'ct', ARGV[6], 'b', ARGV[7], 'at', ARGV[8])
redis.call('HINCRBY', KEYS[2], 'pending:' .. ARGV[1], 1)
redis.call('HINCRBY', KEYS[2], 'accepted', 1)
return id
