-- Claims domains for an account, all or nothing, and announces the newly claimed ones.
-- KEYS[1] domain → account (hash)   KEYS[2] the account's domains (set)
-- ARGV[1] account id   ARGV[2] change channel   ARGV[3..] domains
-- Returns {1} when every domain is the account's now, {0, domain, owner} when one is held by another account
-- (then nothing was claimed).
for i = 3, #ARGV do
  local owner = redis.call('HGET', KEYS[1], ARGV[i])
  if owner and owner ~= ARGV[1] then
    return {0, ARGV[i], owner}
  end
end
local changes = {}
for i = 3, #ARGV do
  if not redis.call('HGET', KEYS[1], ARGV[i]) then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[1])
    redis.call('SADD', KEYS[2], ARGV[i])
    changes[#changes + 1] = {'domain', ARGV[i], ARGV[1]}
  end
end
if #changes > 0 then
  redis.call('PUBLISH', ARGV[2], cjson.encode(changes))
end
return {1}
