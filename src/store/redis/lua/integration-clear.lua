-- Lifts a suspension (Clear Suspension, a successful probe, or room in the allocation again).
-- KEYS[1] hash of the integration's state
-- ARGV[1] the only reason to clear, or '' for any
-- Returns 1 when it was suspended and is now active, 0 otherwise (-1 when suspended for another reason).
local reason = redis.call('HGET', KEYS[1], 'reason')
if ARGV[1] ~= '' and reason ~= ARGV[1] then
  return -1
end
local was = redis.call('HGET', KEYS[1], 'state') == 'suspended'
redis.call('HDEL', KEYS[1], 'state', 'reason', 'since', 'lastProbeAt')
redis.call('HSET', KEYS[1], 'failures', 0)
if was then
  return 1
end
return 0
