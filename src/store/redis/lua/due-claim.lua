-- Claim a batch of due accounts: their scores move to the lease, so other instances skip them until it lapses.
-- KEYS[1] sorted set account id -> next moment (ms)
-- ARGV[1] now (ms)   ARGV[2] batch size   ARGV[3] lease score (now + lease ms)
-- Returns {ids claimed (earliest first), earliest score left in the index or ''}.
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  redis.call('ZADD', KEYS[1], 'XX', ARGV[3], id)
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {ids, first[2] or ''}
