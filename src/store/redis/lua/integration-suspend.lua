-- Suspends an integration for a reason unless it is already suspended for that reason.
-- KEYS[1] hash of the integration's state
-- ARGV[1] reason   ARGV[2] now (ms)
-- Returns 1 when the state changed, 0 when it was already so.
if redis.call('HGET', KEYS[1], 'state') == 'suspended' and redis.call('HGET', KEYS[1], 'reason') == ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'state', 'suspended', 'reason', ARGV[1], 'since', ARGV[2])
redis.call('HDEL', KEYS[1], 'lastProbeAt')
return 1
