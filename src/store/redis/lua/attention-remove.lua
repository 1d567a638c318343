-- Takes an account off an attention list, optionally only while its entry still has the score the reader saw.
-- KEYS[1] sorted set of the list
-- ARGV[1] account id
-- ARGV[2] the expected score, or '' to remove whatever it is
-- Returns 1 when removed, 0 otherwise.
local current = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not current then
  return 0
end
if ARGV[2] ~= '' and tonumber(current) ~= tonumber(ARGV[2]) then
  return 0
end
return redis.call('ZREM', KEYS[1], ARGV[1])
