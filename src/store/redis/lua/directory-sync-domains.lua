-- Makes an account own exactly the domains of its record at a version, unless a newer version was synced.
-- KEYS[1] domain → account (hash)   KEYS[2] the account's domains (set)   KEYS[3] account → synced version (hash)
-- ARGV[1] account id   ARGV[2] record version   ARGV[3] change channel   ARGV[4..] domains
-- Returns 1 when applied, 0 when a higher version was synced before (nothing changed).
local synced = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
if synced > tonumber(ARGV[2]) then
  return 0
end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
local keep = {}
for i = 4, #ARGV do
  keep[ARGV[i]] = true
end
local changes = {}
for _, domain in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if not keep[domain] then
    redis.call('SREM', KEYS[2], domain)
    if redis.call('HGET', KEYS[1], domain) == ARGV[1] then
      redis.call('HDEL', KEYS[1], domain)
      changes[#changes + 1] = {'domain', domain, ''}
    end
  end
end
for i = 4, #ARGV do
  if not redis.call('HGET', KEYS[1], ARGV[i]) then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[1])
    redis.call('SADD', KEYS[2], ARGV[i])
    changes[#changes + 1] = {'domain', ARGV[i], ARGV[1]}
  end
end
if #changes > 0 then
  redis.call('PUBLISH', ARGV[3], cjson.encode(changes))
end
return 1
