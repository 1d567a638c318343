-- Lets one trial call through a suspension once the cool-down since the last probe (or the suspension) has passed.
-- KEYS[1] hash of the integration's state
-- ARGV[1] now (ms)   ARGV[2] cool-down (ms)
-- Returns 1 when this caller may make the trial call, else 0.
if redis.call('HGET', KEYS[1], 'state') ~= 'suspended' then
  return 0
end
local last = tonumber(redis.call('HGET', KEYS[1], 'lastProbeAt') or redis.call('HGET', KEYS[1], 'since') or '0')
if tonumber(ARGV[1]) - last < tonumber(ARGV[2]) then
  return 0
end
redis.call('HSET', KEYS[1], 'lastProbeAt', ARGV[1])
return 1
