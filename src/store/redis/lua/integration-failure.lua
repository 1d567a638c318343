-- Counts one failed CRM answer and suspends the integration when the failure is immediate or the run reaches the threshold.
-- KEYS[1] hash of the integration's state
-- ARGV[1] reason   ARGV[2] immediate (1|0)   ARGV[3] threshold   ARGV[4] now (ms)
-- Returns 1 when this failure suspended the integration or changed its reason, else 0.
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
if redis.call('HGET', KEYS[1], 'state') == 'suspended' then
  if redis.call('HGET', KEYS[1], 'reason') == ARGV[1] then
    return 0
  end
  redis.call('HSET', KEYS[1], 'reason', ARGV[1], 'since', ARGV[4])
  return 1
end
if ARGV[2] == '1' or failures >= tonumber(ARGV[3]) then
  redis.call('HSET', KEYS[1], 'state', 'suspended', 'reason', ARGV[1], 'since', ARGV[4])
  redis.call('HDEL', KEYS[1], 'lastProbeAt')
  return 1
end
return 0
