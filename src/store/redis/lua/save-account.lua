-- Compare-and-set an account record and append its audit entry atomically.
-- KEYS[1] account record (string, JSON)   KEYS[2] audit trail (list of JSON)
-- ARGV[1] expected version (0 = must not exist)   ARGV[2] record JSON (version already set)
-- ARGV[3] audit entry JSON   ARGV[4] max audit entries kept
-- Returns 1 when written, 0 on a version conflict.
local current = redis.call('GET', KEYS[1])
local version = 0
if current then
  version = tonumber(cjson.decode(current)['version'])
end
if version ~= tonumber(ARGV[1]) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[4]), -1)
return 1
